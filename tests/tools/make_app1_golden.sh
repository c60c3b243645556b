#!/bin/bash
# make_app1_golden.sh - Suricata 7.0.10's reference for the parsers of issue 16:
# for each capture listed in tests/golden/app1/CASES, Suricata's events of
# that event type (tests/golden/app1/<capture>.suricata.json) and its alerts
# with tests/data/app1.rules (tests/golden/app1/<capture>.alerts.tsv).
# Suricata runs with its shipped /etc/suricata/suricata.yaml.
set -eu
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
grep -v '^#' tests/golden/app1/CASES | while read -r pcap typ _; do
    [ -n "$pcap" ] || continue
    rm -rf "$TMP/l" && mkdir -p "$TMP/l"
    suricata -r "pcaps/$pcap" -S tests/data/app1.rules -l "$TMP/l" -k none --runmode single >/dev/null 2>&1
    grep "\"event_type\":\"$typ\"" "$TMP/l/eve.json" >"tests/golden/app1/$pcap.suricata.json" || true
    python3 tests/tools/alerts_tsv.py "$TMP/l/eve.json" >"tests/golden/app1/$pcap.alerts.tsv"
    echo "$pcap: $(wc -l <"tests/golden/app1/$pcap.suricata.json") $typ events, $(wc -l <"tests/golden/app1/$pcap.alerts.tsv") alerts"
done
