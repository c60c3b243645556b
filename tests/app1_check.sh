#!/bin/bash
# app1_check.sh TAISHI - the parsers of issue 16 (MQTT, Kerberos, DHCP, SIP,
# RFB) against Suricata 7.0.10's reference (tests/tools/make_app1_golden.sh):
# for each capture in tests/golden/app1/CASES, the protocol objects of the
# events (tests/tools/eve_app_compare.py, per flow, the CASES line's
# --ignore paths aside) and the alerts of tests/data/app1.rules (same sids
# on the same flows and directions: compare_alerts.py --key tuple).
# Prints one line per check; exit 1 when any differs.
set -u
cd "$(dirname "$0")/.."
T=$1
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
rc=0
while read -r pcap typ rest; do
    case $pcap in ''|'#'*) continue ;; esac
    "$T" -r "pcaps/$pcap" -w 1 -S tests/data/app1.rules >"$TMP/ev.json" 2>/dev/null || { echo "$pcap: taishi failed"; rc=1; continue; }
    # shellcheck disable=SC2086
    python3 tests/tools/eve_app_compare.py -v $rest "$typ" "$TMP/ev.json" "tests/golden/app1/$pcap.suricata.json" || rc=1
    python3 tests/tools/alerts_tsv.py "$TMP/ev.json" >"$TMP/a.tsv"
    cp "tests/golden/app1/$pcap.alerts.tsv" "$TMP/b.tsv"
    only=$(sed -n 's/.*--only-proto \([A-Z]*\).*/\1/p' <<<"$rest")
    if [ -n "$only" ]; then            # the alerts of that transport only, both sides
        awk -F'\t' -v p="$only" '$6 == p' "$TMP/a.tsv" >"$TMP/a2" && mv "$TMP/a2" "$TMP/a.tsv"
        awk -F'\t' -v p="$only" '$6 == p' "$TMP/b.tsv" >"$TMP/b2" && mv "$TMP/b2" "$TMP/b.tsv"
    fi
    if python3 tests/tools/compare_alerts.py -q "$TMP/a.tsv" "$TMP/b.tsv" >"$TMP/cmp"; then
        echo "$pcap: alerts equal ($(wc -l <"$TMP/a.tsv"))"
    else
        echo "$pcap: alerts differ"; cat "$TMP/cmp"; rc=1
    fi
done <tests/golden/app1/CASES
exit $rc
