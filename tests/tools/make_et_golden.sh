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
#   DEFAULTS=1: Suricata at its own defaults instead of the parity
#   configuration (tests/data/suricata.yaml, which turns stream.midstream and
#   stream.async-oneside on): the shipped /etc/suricata/suricata.yaml, the ET
#   Open files given with -S (concatenated, as -S takes one file) and ET's
#   classification.config (--set classification-file), into
#   tests/golden/et-open-defaults/; taishi is held against it at its own
#   defaults (tests/corpus.sh).
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
[ "${DEFAULTS:-0}" = 1 ] && DEST=tests/golden/et-open-defaults
mkdir -p "$DEST"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
cat "$ET"/*.rules >"$TMP/et-open.rules"
# shipped: Suricata with its shipped configuration on one capture, alerts as TSV
shipped() {
    rm -rf "$TMP/run"; mkdir -p "$TMP/run"
    TZ=UTC suricata -c /etc/suricata/suricata.yaml -r "$1" -S "$TMP/et-open.rules" -l "$TMP/run" \
        --runmode single -k none --set "classification-file=$ET/classification.config" \
        >"$TMP/run/stdout" 2>&1 || { tail -5 "$TMP/run/stdout"; return 1; }
    touch "$TMP/run/eve.json"
    python3 tests/tools/alerts_tsv.py "$TMP/run/eve.json"
    echo "rules $(sed -n 's/.* \([0-9][0-9]*\) rules successfully loaded, \([0-9][0-9]*\) rules failed.*/\1 loaded, \2 failed/p' "$TMP/run/stdout" | tail -1);" >"$TMP/err"
}
if [ $# -gt 0 ]; then pcaps=("$@"); else pcaps=("$SHARED"/pcaps/ndpi/*.pcap "$SHARED"/pcaps/ndpi/*.pcapng); fi
for p in "${pcaps[@]}"; do
    n=$(basename "$p")
    if [ "${DEFAULTS:-0}" = 1 ]; then
        if shipped "$p" >"$DEST/$n.suricata.tsv"; then ok=1; else ok=0; fi
    elif CLASSIFICATION=$ET/classification.config SURICATA_ARGS="$VARS" tests/tools/suricata_run.sh "$p" "$ET"/*.rules "$TMP/run" \
        >"$DEST/$n.suricata.tsv" 2>"$TMP/err"; then ok=1; else ok=0; fi
    if [ $ok = 1 ]; then
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
