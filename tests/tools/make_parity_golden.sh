#!/bin/bash
# make_parity_golden.sh [--check] - Suricata 7.0.10's answers for the
# differential harness (tests/parity.sh): for every case of
# tests/parity/cases.tsv, the capture from tests/tools/gen_parity_pcaps.py
# and the rules tests/parity/RULES.rules, run through Suricata with its
# shipped configuration (/etc/suricata/suricata.yaml as Debian installs it;
# only alerts are read from its EVE output) plus the case's settings (--set;
# action-order=[a,b,c,d] becomes action-order.0=a ...), --runmode single,
# -k none; the alert count of every sid of the rule file goes to
# tests/golden/parity/CASE.tsv ("SID COUNT", 0 when it did not alert).
#   --check: write them to a temporary directory and compare with the
#            committed ones instead (exit 1 on a difference).
# Needs suricata (tests/tools/install-deps.sh). Owned by tests/tools/.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHECK=0; [ "${1:-}" = --check ] && CHECK=1
SURICATA=${SURICATA:-suricata}
CONF=${SURICATA_CONF:-/etc/suricata/suricata.yaml}
command -v "$SURICATA" >/dev/null || { echo "make_parity_golden: $SURICATA not found" >&2; exit 2; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
python3 tests/tools/gen_parity_pcaps.py "$TMP/pcaps"
OUT=tests/golden/parity; [ $CHECK = 1 ] && OUT=$TMP/golden
mkdir -p "$OUT"
ver=$("$SURICATA" -V | sed -n 's/.*version \([0-9.]*\).*/\1/p')
while IFS=$'\t' read -r name pcap rules settings; do
    case $name in '#'*|'') continue ;; esac
    args=()
    if [ "$settings" != - ]; then
        for kv in $settings; do
            k=${kv%%=*}; v=${kv#*=}
            if [ "$k" = action-order ]; then
                i=0
                for a in $(tr -d '[] ' <<<"$v" | tr , ' '); do args+=(--set "action-order.$i=$a"); i=$((i + 1)); done
            else
                args+=(--set "$kv")
            fi
        done
    fi
    rm -rf "$TMP/run"; mkdir -p "$TMP/run"
    TZ=UTC "$SURICATA" -c "$CONF" -r "$TMP/pcaps/$pcap.pcap" -S "tests/parity/$rules.rules" -l "$TMP/run" \
        -k none --runmode single "${args[@]}" >"$TMP/run/stdout" 2>&1 ||
        { echo "make_parity_golden: suricata failed on $name" >&2; tail -5 "$TMP/run/stdout" >&2; exit 1; }
    if grep -q 'rules failed' "$TMP/run/stdout" && ! grep -q ' 0 rules failed' "$TMP/run/stdout"; then
        echo "make_parity_golden: $name: a rule failed to load in Suricata" >&2; exit 1
    fi
    {
        echo "# suricata $ver, $CONF, settings: $settings"
        python3 tests/tools/sid_counts.py "$TMP/run/eve.json" --rules "tests/parity/$rules.rules"
    } >"$OUT/$name.tsv"
done <tests/parity/cases.tsv
if [ $CHECK = 1 ]; then
    if diff -r tests/golden/parity "$OUT" -x KNOWN.tsv >"$TMP/diff"; then
        echo "make_parity_golden: the goldens are Suricata's"
    else
        echo "make_parity_golden: the goldens differ from Suricata's:"; head -20 "$TMP/diff"; exit 1
    fi
fi
