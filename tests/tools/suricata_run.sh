#!/bin/bash
# suricata_run.sh PCAP RULES_FILE... OUTDIR - run Suricata (the reference
# engine, 7.0.10 from bookworm-backports, tests/tools/install-deps.sh) offline
# on one capture with only the given rule files, and print its alerts as the
# normalized TSV of tests/tools/alerts_tsv.py on stdout.
#
#   the last argument is the output directory (created): eve.json,
#   suricata.log, alerts.tsv (the TSV printed) and suricata.yaml (the exact
#   configuration used: tests/data/suricata.yaml plus the rule files).
#   --runmode single, -k none, TZ=UTC; no default rules, no threshold.config.
#
# Environment:
#   CLASSIFICATION  classification.config to use; default: the one beside
#                   the first rule file, else ../shared/rules/et-open's, else
#                   Suricata's own /etc/suricata/classification.config
#   REFERENCE       reference.config (default /etc/suricata/reference.config)
#   STRICT=1        a rule that fails to load is an error (--init-errors-fatal)
#   SURICATA        the binary (default: suricata on PATH)
#   SURICATA_ARGS   extra arguments, e.g. "--set vars.address-groups.HOME_NET=[10.0.0.0/8]"
#   CONFIG_ONLY=1   only write OUTDIR/suricata.yaml and print the arguments
#                   Suricata would get, one per line (suricata_bench.sh)
# Exit status: 0 ok, 1 Suricata failed (its log tail is printed on stderr),
# 2 bad usage. A one-line summary (rules loaded/failed, alerts) goes to stderr.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [ $# -lt 3 ]; then
    echo "usage: $0 PCAP RULES_FILE... OUTDIR" >&2
    exit 2
fi
PCAP=$1; shift
OUT=${*: -1}
RULES=("${@:1:$#-1}")
[ -r "$PCAP" ] || { echo "suricata_run: cannot read $PCAP" >&2; exit 2; }
for r in "${RULES[@]}"; do
    [ -r "$r" ] || { echo "suricata_run: cannot read rule file $r" >&2; exit 2; }
done
SURICATA=${SURICATA:-suricata}
command -v "$SURICATA" >/dev/null || { echo "suricata_run: $SURICATA not found (tests/tools/install-deps.sh)" >&2; exit 2; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT/eve.json" "$OUT/suricata.log" "$OUT/alerts.tsv"

first_dir=$(cd "$(dirname "${RULES[0]}")" && pwd)
if [ -z "${CLASSIFICATION:-}" ]; then
    for c in "$first_dir/classification.config" "$ROOT/../shared/rules/et-open/classification.config" \
             /etc/suricata/classification.config; do
        if [ -r "$c" ]; then CLASSIFICATION=$c; break; fi
    done
fi
REFERENCE=${REFERENCE:-/etc/suricata/reference.config}

# The configuration: ours, plus the per-run keys (absolute paths, so
# default-rule-path does not matter).
{
    cat "$ROOT/tests/data/suricata.yaml"
    echo
    echo "# --- added by suricata_run.sh for this run ---"
    echo "default-rule-path: /"
    echo "rule-files:"
    for r in "${RULES[@]}"; do
        echo "  - \"$(cd "$(dirname "$r")" && pwd)/$(basename "$r")\""
    done
    echo "classification-file: \"$CLASSIFICATION\""
    echo "reference-config-file: \"$REFERENCE\""
    echo "threshold-file: /dev/null"
} >"$OUT/suricata.yaml"

args=(-c "$OUT/suricata.yaml" -r "$PCAP" -l "$OUT" --runmode single -k none)
[ "${STRICT:-0}" = 1 ] && args+=(--init-errors-fatal)
# shellcheck disable=SC2206
[ -n "${SURICATA_ARGS:-}" ] && args+=($SURICATA_ARGS)
if [ "${CONFIG_ONLY:-0}" = 1 ]; then
    printf '%s\n' "${args[@]}"
    exit 0
fi
if ! TZ=UTC "$SURICATA" "${args[@]}" >"$OUT/stdout.log" 2>&1; then
    echo "suricata_run: suricata failed on $PCAP; see $OUT/suricata.log" >&2
    tail -n 20 "$OUT/suricata.log" "$OUT/stdout.log" >&2 2>/dev/null || true
    exit 1
fi
touch "$OUT/eve.json"
python3 "$HERE/alerts_tsv.py" "$OUT/eve.json" >"$OUT/alerts.tsv"
loaded=$(sed -n 's/.* \([0-9][0-9]*\) rules successfully loaded, \([0-9][0-9]*\) rules failed.*/\1 loaded, \2 failed/p' "$OUT/suricata.log" | tail -1)
echo "suricata_run: $(basename "$PCAP"): rules ${loaded:-?}; $(wc -l <"$OUT/alerts.tsv") alerts" >&2
cat "$OUT/alerts.tsv"
