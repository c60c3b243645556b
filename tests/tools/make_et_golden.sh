#!/bin/bash
# make_et_golden.sh - the reference for the corpus check: Suricata 7.0.10's
# alerts with every enabled ET Open rule (../shared/rules/et-open/*.rules,
# its classification.config) on each capture of ../shared/pcaps/ndpi, one
# TSV per capture in tests/golden/et-open/<capture>.suricata.tsv
# (tests/tools/alerts_tsv.py format), plus SUMMARY.tsv (alerts per capture).
# Rerunnable; takes about 10 s per capture (the ruleset is loaded each time).
#   usage: tests/tools/make_et_golden.sh [PCAP...]   (default: all of them)
#   EXTERNAL_NET=any: the same with vars.address-groups.EXTERNAL_NET=any (so
#   rules written $EXTERNAL_NET -> $HOME_NET also fire between two private
#   hosts, as in most public captures), into tests/golden/et-open-extnet-any/.
# Owned by tests/tools/; writes only tests/golden/et-open*/.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
ET=$SHARED/rules/et-open
DEST=tests/golden/et-open
VARS=""
if [ "${EXTERNAL_NET:-}" = any ]; then
    DEST=tests/golden/et-open-extnet-any
    VARS="--set vars.address-groups.EXTERNAL_NET=any"
fi
[ -d "$ET" ] && [ -d "$SHARED/pcaps/ndpi" ] || { echo "make_et_golden: needs $SHARED (rules/et-open, pcaps/ndpi)"; exit 1; }
suricata -V | grep -q ' 7\.0\.10 ' || { echo "make_et_golden: Suricata 7.0.10 required (tests/tools/install-deps.sh)"; exit 1; }
mkdir -p "$DEST"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
if [ $# -gt 0 ]; then pcaps=("$@"); else pcaps=("$SHARED"/pcaps/ndpi/*.pcap "$SHARED"/pcaps/ndpi/*.pcapng); fi
for p in "${pcaps[@]}"; do
    n=$(basename "$p")
    if CLASSIFICATION=$ET/classification.config SURICATA_ARGS="$VARS" tests/tools/suricata_run.sh "$p" "$ET"/*.rules "$TMP/run" \
        >"$DEST/$n.suricata.tsv" 2>"$TMP/err"; then
        echo "$n: $(wc -l <"$DEST/$n.suricata.tsv") alerts ($(sed -n 's/.*rules \(.*\);.*/\1/p' "$TMP/err"))"
    else
        echo "$n: SURICATA FAILED"; cat "$TMP/err"; rm -f "$DEST/$n.suricata.tsv"
    fi
done
# Summary of every TSV present: capture, alerts, distinct sids.
{
    printf '#capture\talerts\tsids\n'
    for f in "$DEST"/*.suricata.tsv; do
        printf '%s\t%d\t%d\n' "$(basename "$f" .suricata.tsv)" "$(wc -l <"$f")" "$(cut -f1 "$f" | sort -u | grep -c . || true)"
    done
} >"$DEST/SUMMARY.tsv"
