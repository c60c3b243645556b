#!/bin/bash
# make_intkw_golden.sh - Suricata 7.0.10's alerts with tests/data/intkw.rules
# (the integer and flag keywords of the app parsers) on each capture of
# tests/golden/intkw/CASES, into tests/golden/intkw/<capture>.alerts.tsv,
# for tests/intkw.sh. Suricata runs with its shipped /etc/suricata/suricata.yaml.
set -eu
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
grep -v '^#' tests/golden/intkw/CASES | while read -r pcap _; do
    [ -n "$pcap" ] || continue
    rm -rf "$TMP/l" && mkdir -p "$TMP/l"
    suricata -r "pcaps/$pcap" -S tests/data/intkw.rules -l "$TMP/l" -k none --runmode single >/dev/null 2>&1
    if grep -q "error parsing signature" "$TMP/l/suricata.log" 2>/dev/null; then
        echo "make_intkw_golden: Suricata refused a rule of tests/data/intkw.rules" >&2; exit 1
    fi
    python3 tests/tools/alerts_tsv.py "$TMP/l/eve.json" >"tests/golden/intkw/$pcap.alerts.tsv"
    echo "$pcap: $(wc -l <"tests/golden/intkw/$pcap.alerts.tsv") alerts"
done
