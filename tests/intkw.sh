#!/bin/bash
# intkw.sh TAISHI - the integer and flag keywords of the app parsers
# (mqtt.type, krb5_err_code, snmp.version, rfb.secresult, dcerpc.iface,
# dcerpc.opnum, ...: src/rules/rules_intkw.c) against Suricata 7.0.10: the
# alerts of tests/data/intkw.rules on each capture of tests/golden/intkw/CASES
# must be Suricata's (tests/golden/intkw/<capture>.alerts.tsv, made by
# tests/tools/make_intkw_golden.sh), compared with the CASES line's key.
# The rule file has rules that must match and rules that must not, so a
# keyword that matched everything or nothing fails here. Prints one line per
# capture; exit 1 when any differs. The sids of tests/golden/intkw/KNOWN.tsv
# (known differences, explained there) are left out.
set -u
cd "$(dirname "$0")/.."
T=$1
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
rc=0
grep -v '^#' tests/golden/intkw/KNOWN.tsv | cut -f1 >"$TMP/known"
if ! "$T" --check-rules -S tests/data/intkw.rules >"$TMP/check" 2>&1 ||
   ! grep -q ", 0 skipped (unsupported), 0 failed" "$TMP/check"; then
    echo "intkw.rules: not every rule loads"; cat "$TMP/check"; rc=1
fi
while read -r pcap key; do
    case $pcap in ''|'#'*) continue ;; esac
    "$T" -r "pcaps/$pcap" -w 1 -S tests/data/intkw.rules --events alert >"$TMP/ev.json" 2>/dev/null ||
        { echo "$pcap: taishi failed"; rc=1; continue; }
    python3 tests/tools/alerts_tsv.py "$TMP/ev.json" >"$TMP/a.tsv"
    if python3 tests/tools/compare_alerts.py -q --key "$key" --exclude-sids "$TMP/known" "$TMP/a.tsv" \
            "tests/golden/intkw/$pcap.alerts.tsv" >"$TMP/cmp"; then
        echo "$pcap: alerts equal ($(wc -l <"$TMP/a.tsv"), key $key)"
    else
        echo "$pcap: alerts differ"; cat "$TMP/cmp"; rc=1
    fi
done <tests/golden/intkw/CASES
exit $rc
