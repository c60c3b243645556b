#!/bin/bash
# suricata_bench.sh PCAP RULES_DIR [OUTDIR] - Suricata 7.0.10 as the speed
# reference for `make bench`: --runmode single (one thread, like taishi -w 1),
# tests/data/suricata.yaml (alerts only), on PCAP (default capture
# build/bench-256MiB.pcap, built with ../shared/bench/make-bench-pcap.sh 256
# when missing), once with every enabled rule of RULES_DIR/*.rules
# (classification.config from RULES_DIR) and once with no rules.
#
# Measured (wall clock, the capture already in the page cache):
#   start-up     the same command on a one-packet capture (Suricata refuses
#                an empty one): configuration, rule parsing, Hyperscan
#                compilation, thread start and shutdown;
#   compile      start-up with the rules minus start-up without rules;
#   total        the run on PCAP;
#   processing   total - start-up;
#   elapsed      Suricata's own "time elapsed" log line (engine started to
#                stopped), for comparison;
#   Gbit/s       capture file size * 8 / total and / processing (the same
#                measure tests/bench.sh uses for taishi).
# Alerts of the rules run go to OUTDIR/alerts.tsv (alerts_tsv.py format) and
# OUTDIR/alerts-per-sid.tsv; logs and configs stay in OUTDIR (default
# build/suricata-bench). One run takes about a minute (ET Open: ~10 s to
# load and compile, twice).
# Owned by tests/tools/; writes only OUTDIR (and PCAP when missing).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
PCAP=${1:-build/bench-256MiB.pcap}
RULES_DIR=${2:-../shared/rules/et-open}
OUT=${3:-build/suricata-bench}
suricata -V | grep -q ' 7\.0\.10 ' || { echo "suricata_bench: Suricata 7.0.10 required (tests/tools/install-deps.sh)"; exit 1; }
if [ ! -s "$PCAP" ]; then
    [ -x ../shared/bench/make-bench-pcap.sh ] || { echo "suricata_bench: $PCAP missing and ../shared/bench not present"; exit 1; }
    mkdir -p "$(dirname "$PCAP")"
    ../shared/bench/make-bench-pcap.sh 256 "$PCAP"
fi
ls "$RULES_DIR"/*.rules >/dev/null || { echo "suricata_bench: no rules in $RULES_DIR"; exit 1; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
size=$(stat -c %s "$PCAP")
python3 - "$OUT/one.pcap" <<'PY'
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, 'tests/tools')
import gen_pcaps as g
p = g.ipv4('192.168.0.1', '192.168.0.2', 17, g.udp('192.168.0.1', '192.168.0.2', 1234, 5678, b'x'))
open(sys.argv[1], 'wb').write(g.pcap_bytes([g.rec(g.T(0), g.link_eth(0, p))]))
PY
: >"$OUT/none.rules"
cat "$PCAP" >/dev/null

# run NAME PCAP RULE_FILE... : wall seconds of one Suricata run -> $OUT/NAME.time
run() {
    local name=$1 pcap=$2; shift 2
    local dir="$OUT/$name"
    mkdir -p "$dir"
    mapfile -t args < <(CONFIG_ONLY=1 CLASSIFICATION="$CLASS" "$HERE/suricata_run.sh" "$pcap" "$@" "$dir")
    rm -f "$dir/eve.json" "$dir/suricata.log"
    local t0 t1
    t0=$(date +%s.%N)
    TZ=UTC suricata "${args[@]}" >"$dir/stdout.log" 2>&1 || { echo "suricata_bench: $name failed"; tail "$dir/suricata.log"; exit 1; }
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc >"$OUT/$name.time"
    echo "suricata_bench: $name: $(cat "$OUT/$name.time") s" >&2
}
CLASS=$RULES_DIR/classification.config
[ -r "$CLASS" ] || CLASS=/etc/suricata/classification.config
run start-rules "$OUT/one.pcap" "$RULES_DIR"/*.rules
run start-none "$OUT/one.pcap" "$OUT/none.rules"
run full-rules "$PCAP" "$RULES_DIR"/*.rules
run full-none "$PCAP" "$OUT/none.rules"

python3 "$HERE/alerts_tsv.py" "$OUT/full-rules/eve.json" >"$OUT/alerts.tsv"
cut -f1 "$OUT/alerts.tsv" | sort | uniq -c | sort -k1,1nr -k2,2n | awk '{print $2 "\t" $1}' >"$OUT/alerts-per-sid.tsv"
loaded=$(sed -n 's/.* \([0-9][0-9]*\) rules successfully loaded, \([0-9][0-9]*\) rules failed.*/\1 loaded, \2 failed/p' "$OUT/full-rules/suricata.log" | tail -1)
pkts=$(sed -n 's/.*read 1 file, \([0-9]*\) packets.*/\1/p' "$OUT/full-rules/suricata.log" | tail -1)
# Suricata's own "time elapsed" (engine started to stopped: the packets)
el_r=$(sed -n 's/.*time elapsed \([0-9.]*\)s.*/\1/p' "$OUT/full-rules/suricata.log" | tail -1)
el_n=$(sed -n 's/.*time elapsed \([0-9.]*\)s.*/\1/p' "$OUT/full-none/suricata.log" | tail -1)
python3 - "$size" "$pkts" "$loaded" "$(wc -l <"$OUT/alerts.tsv")" "$(wc -l <"$OUT/alerts-per-sid.tsv")" \
    "$(cat "$OUT/start-rules.time")" "$(cat "$OUT/start-none.time")" \
    "$(cat "$OUT/full-rules.time")" "$(cat "$OUT/full-none.time")" "$PCAP" "$RULES_DIR" "${el_r:-0}" "${el_n:-0}" <<'PY' | tee "$OUT/summary.txt"
import sys
size, pkts, loaded, nalerts, nsids = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
sr, sn, fr, fn = map(float, sys.argv[6:10])
g = lambda t: size * 8 / t / 1e9 if t > 0 else float('nan')
print(f"suricata 7.0.10 --runmode single on {sys.argv[10]}: {size / 2**20:.0f} MiB, {pkts} packets")
print(f"rules: {sys.argv[11]}/*.rules: {loaded}")
print(f"start-up (1-packet capture): {sr:.2f} s with the rules, {sn:.2f} s without; rule load + compile {sr - sn:.2f} s")
print(f"with the rules : total {fr:7.2f} s  {g(fr):5.2f} Gbit/s; packets only {fr - sr:7.2f} s  {g(fr - sr):5.2f} Gbit/s")
print(f"no rules       : total {fn:7.2f} s  {g(fn):5.2f} Gbit/s; packets only {fn - sn:7.2f} s  {g(fn - sn):5.2f} Gbit/s")
er, en = float(sys.argv[12]), float(sys.argv[13])
print(f"Suricata's own 'time elapsed' (engine start to stop): {er:.2f} s with the rules ({g(er):.2f} Gbit/s), "
      f"{en:.2f} s without ({g(en):.2f} Gbit/s)")
print(f"alerts: {nalerts} from {nsids} sids")
PY
echo "top sids (sid, alerts):"
head -15 "$OUT/alerts-per-sid.tsv" | sed 's/^/  /'
