#!/bin/bash
# make_rule_golden.sh - the expected alerts of taishi's own rules: Suricata
# 7.0.10 with rules/*.rules (every rule must load: STRICT) on each
# pcaps/rules-*.pcap, saved as tests/golden/rules/<capture>.suricata.tsv
# (tests/tools/alerts_tsv.py format). Rerunnable; a few seconds in all.
#   usage: tests/tools/make_rule_golden.sh [--check]
#     --check: write nothing, compare with the saved files instead (exit 1
#              on any difference)
# Also checks the captures against the rules and exits 1 when
#   - a rule in rules/ fires on no capture,
#   - a near-miss capture (rules-nearmiss*.pcap) raises any alert.
# Regenerate the captures first when gen_rule_pcaps.py changed:
#   python3 tests/tools/gen_rule_pcaps.py
# classification.config: the ET Open one in ../shared when present, else
# Suricata's own (the classtypes we use are in both; rules/README.md).
# Owned by tests/tools/; writes only tests/golden/rules/.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHECK=0
[ "${1:-}" = --check ] && CHECK=1
suricata -V | grep -q ' 7\.0\.10 ' || { echo "make_rule_golden: Suricata 7.0.10 required (tests/tools/install-deps.sh)"; exit 1; }
DEST=tests/golden/rules
mkdir -p "$DEST"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
export CLASSIFICATION
CLASSIFICATION=../shared/rules/et-open/classification.config
[ -r "$CLASSIFICATION" ] || CLASSIFICATION=/etc/suricata/classification.config
fail=0
for p in pcaps/rules-*.pcap; do
    n=$(basename "$p")
    STRICT=1 tests/tools/suricata_run.sh "$p" rules/*.rules "$TMP/run" >"$TMP/$n.tsv" 2>"$TMP/err" ||
        { cat "$TMP/err"; exit 1; }
    if [ $CHECK = 1 ]; then
        if ! cmp -s "$TMP/$n.tsv" "$DEST/$n.suricata.tsv"; then
            echo "make_rule_golden: $n: Suricata's alerts differ from $DEST/$n.suricata.tsv"
            diff "$DEST/$n.suricata.tsv" "$TMP/$n.tsv" | head -10
            fail=1
        fi
    else
        cp "$TMP/$n.tsv" "$DEST/$n.suricata.tsv"
    fi
    case $n in
        rules-nearmiss*)
            if [ -s "$TMP/$n.tsv" ]; then echo "make_rule_golden: near-miss capture $n raised alerts:"; cat "$TMP/$n.tsv"; fail=1; fi ;;
    esac
    printf '%-24s %3d alerts: %s\n' "$n" "$(wc -l <"$TMP/$n.tsv")" \
        "$(cut -f1 "$TMP/$n.tsv" | sort | uniq -c | awk '{s = s (NR > 1 ? " " : "") $2 "x" $1} END {print s}')"
done
# Every rule fires somewhere.
sed -n 's/^[^#].*[(; ]sid: *\([0-9]*\);.*/\1/p' rules/*.rules | sort -u >"$TMP/sids"
cat "$TMP"/*.pcap.tsv | cut -f1 | sort -u >"$TMP/fired"
never=$(comm -23 "$TMP/sids" "$TMP/fired")
echo "make_rule_golden: $(wc -l <"$TMP/sids") rules, $(wc -l <"$TMP/fired") fire on some capture"
if [ -n "$never" ]; then echo "make_rule_golden: rules that never fire: $never"; fail=1; fi
exit $fail
