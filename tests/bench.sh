#!/bin/bash
# bench.sh BUILD_DIR - throughput of taishi -w 1 and -w 2 against ndpiReader
# (Debian's libndpi-bin, nDPI 4.2) on the same 256 MiB capture, in one run,
# alternating the commands ROUNDS times; reports the median of each as
# Gbit/s, the ratios, and the memory a flow costs. Two taishi workloads: the
# default one (flow, app-layer, risk, asset, anomaly and stats events: about
# 300k events here) and the flow pipeline alone (--events flow,stats: what
# ndpiReader does, classify and account every flow, plus one JSON event per
# flow). Then the Kafka output:
# events per second into librdkafka's mock cluster and what Kafka costs the
# -w 2 run compared with writing to /dev/null. Last, Suricata 7.0.10 with all
# ET Open rules on the same capture (tests/tools/suricata_bench.sh), and
# Hyperscan against Vectorscan on it when make test-vectorscan has built the
# Vectorscan one (BENCH_ENGINES=0 skips that).
#   ROUNDS=3 (default)  BENCH_KAFKA_ONLY=1 (one round of the rest, stop after
#   Kafka)  BENCH_SPOOL_DIR=dir (default build/bench-spool)  BENCH_PCAP=path (default build/bench-256MiB.pcap, built
#   once with ../shared/bench/make-bench-pcap.sh and kept)
set -eu
cd "$(dirname "$0")/.."
B=${1:-build}
ROUNDS=${ROUNDS:-3}
PCAP=${BENCH_PCAP:-build/bench-256MiB.pcap}
if [ ! -s "$PCAP" ]; then
    [ -x ../shared/bench/make-bench-pcap.sh ] || { echo "bench: needs ../shared (or BENCH_PCAP=file)"; exit 1; }
    ../shared/bench/make-bench-pcap.sh 256 "$PCAP"
fi
command -v ndpiReader >/dev/null || { echo "bench: ndpiReader missing (apt-get install libndpi-bin)"; exit 1; }
size=$(stat -c %s "$PCAP")
cat "$PCAP" >/dev/null                      # page cache: every run reads from memory
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

# The machine's own ceiling for -w 2 against -w 1: two busy threads against
# one, on computation and on memory bandwidth (tests/tools/cpu_scaling.c).
if [ -x build/cpu-scaling ]; then
    echo "machine: two threads against one (2.00 = no slowdown):"
    build/cpu-scaling 1 | sed 's/^/  /'
fi
# run NAME CMD... : wall time, peak RSS and CPU seconds (user + system)
# appended to $TMP/NAME
run() {
    local name=$1; shift
    /usr/bin/time -f "%e %M %U %S" -o "$TMP/t" "$@" >/dev/null 2>"$TMP/err" || { echo "bench: $name failed"; cat "$TMP/err"; exit 1; }
    cat "$TMP/t" >>"$TMP/$name"
}
for r in $(seq "$([ "${BENCH_KAFKA_ONLY:-0}" = 1 ] && echo 1 || echo "$ROUNDS")"); do
    run w1 "$B/taishi" -r "$PCAP" -w 1 -o /dev/null
    run w2 "$B/taishi" -r "$PCAP" -w 2 -o /dev/null
    run ndpi ndpiReader -q -i "$PCAP"
    run f1 "$B/taishi" -r "$PCAP" -w 1 --events flow,stats -o /dev/null
    run f2 "$B/taishi" -r "$PCAP" -w 2 --events flow,stats -o /dev/null
    echo "bench: round $r of $ROUNDS done" >&2
done
# Kafka: the same -w 2 run with events going to librdkafka's mock cluster
# (contrib/kafka-mock, same machine) instead of /dev/null, alternating: with
# the write-ahead spool (the default: every event written to the spool
# directory, on this machine's disk, before it is produced) and without it
# (outputs.kafka.write-ahead=no: from memory only), so the spool's cost is
# the difference between two runs of the same round.
KAFKA=0
if [ -x build/kafka-mock ]; then
    mkfifo "$TMP/ctl"
    build/kafka-mock -b 1 <"$TMP/ctl" >"$TMP/mock.out" 2>/dev/null &
    MOCKPID=$!
    exec 7>"$TMP/ctl"
    for _ in $(seq 50); do grep -q '^bootstrap=' "$TMP/mock.out" && break; sleep 0.1; done
    BOOT=$(sed -n 's/^bootstrap=//p' "$TMP/mock.out")
    SPOOL=${BENCH_SPOOL_DIR:-build/bench-spool}   # on disk, not tmpfs: the real cost
    for r in $(seq "$ROUNDS"); do
        run plain2 "$B/taishi" -r "$PCAP" -w 2 -o /dev/null
        rm -rf "$SPOOL"
        run kafka "$B/taishi" -r "$PCAP" -w 2 --kafka "$BOOT" --set "outputs.kafka.spool-dir=$SPOOL"
        sed -n 's/.*kafka: produced \([0-9]*\), delivered \([0-9]*\),.*/\1 \2/p' "$TMP/err" >"$TMP/kcount"
        rm -rf "$SPOOL"
        run kafkanw "$B/taishi" -r "$PCAP" -w 2 --kafka "$BOOT" --set "outputs.kafka.spool-dir=$SPOOL" \
            --set outputs.kafka.write-ahead=no
        sed -n 's/.*kafka: produced \([0-9]*\), delivered \([0-9]*\),.*/\1 \2/p' "$TMP/err" >"$TMP/kcountnw"
    done
    rm -rf "$SPOOL"
    echo quit >&7; exec 7>&-; wait "$MOCKPID" 2>/dev/null
    KAFKA=1
fi
med() { sort -n "$TMP/$1" | awk '{t[NR]=$1; m[NR]=$2; c[NR]=$3+$4} END {i=int((NR+1)/2); print t[i], m[i], c[i]}'; }
read -r tw1 mw1 cw1 <<<"$(med w1)"; read -r tw2 mw2 cw2 <<<"$(med w2)"; read -r tn mn cn <<<"$(med ndpi)"
read -r tf1 _ cf1 <<<"$(med f1)"; read -r tf2 _ cf2 <<<"$(med f2)"
if [ $KAFKA = 1 ]; then
    read -r tp _ cp <<<"$(med plain2)"; read -r tk _ ck <<<"$(med kafka)"; read -r tn2 _ cn2 <<<"$(med kafkanw)"
    read -r kprod kdel <"$TMP/kcount"; read -r nprod ndel <"$TMP/kcountnw"
    python3 -c 'import sys
tp, tk, tn, cp, ck, cn = map(float, sys.argv[1:7])
prod, dl, nprod, ndl = map(int, sys.argv[7:11])
print(f"kafka (mock cluster on this machine): {prod} events produced, {dl} delivered, "
      f"{dl / tk:,.0f} events/s; -w 2 with Kafka {tk:.2f} s vs {tp:.2f} s to /dev/null: "
      f"cost {100 * (tk - tp) / tp:+.0f}% (target under 10%)")
print(f"  -w 2, medians:        wall     CPU")
print(f"  to /dev/null        {tp:6.2f} s {cp:6.2f} s")
print(f"  Kafka, write-ahead  {tk:6.2f} s {ck:6.2f} s   ({prod} produced, {dl} delivered)")
print(f"  Kafka, memory only  {tn:6.2f} s {cn:6.2f} s   ({nprod} produced, {ndl} delivered)")
print(f"  the write-ahead spool costs {tk - tn:+.2f} s wall ({100 * (tk - tn) / tn:+.0f}%), "
      f"{ck - cn:+.2f} s CPU ({100 * (ck - cn) / cn:+.0f}%)")' \
        "$tp" "$tk" "$tn2" "$cp" "$ck" "$cn2" "$kprod" "$kdel" "$nprod" "$ndel"
    [ "${BENCH_KAFKA_ONLY:-0}" = 1 ] && exit 0
fi
"$B/taishi" -r "$PCAP" -w 1 --events stats >"$TMP/stats"
# the resident memory of a run with (almost) no flows: nDPI's module, buffers
/usr/bin/time -f "%M" -o "$TMP/base" "$B/taishi" -r pcaps/encap-qinq.pcap -w 1 -o /dev/null
python3 - "$size" "$tw1" "$tw2" "$tn" "$mw1" "$mn" "$TMP/stats" "$(cat "$TMP/base")" "$tf1" "$tf2" \
    "$cw1" "$cw2" "$cn" "$cf1" "$cf2" <<'PY'
import json, sys
size, tw1, tw2, tn = int(sys.argv[1]), *map(float, sys.argv[2:5])
mw1, mn, base = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[8])
tf1, tf2 = float(sys.argv[9]), float(sys.argv[10])
cw1, cw2, cn, cf1, cf2 = map(float, sys.argv[11:16])
st = json.load(open(sys.argv[7]))['stats']
g = lambda t: size * 8 / t / 1e9
print(f"capture: {size / 2**20:.0f} MiB, {st['capture']['packets']} packets, {st['flow']['created']} flows")
print(f"ndpiReader -q : {tn:7.2f} s  {g(tn):6.2f} Gbit/s  CPU {cn:5.2f} s  peak RSS {mn / 1024:.0f} MiB")
print(f"taishi -w 1   : {tw1:7.2f} s  {g(tw1):6.2f} Gbit/s  CPU {cw1:5.2f} s  peak RSS {mw1 / 1024:.0f} MiB")
print(f"taishi -w 2   : {tw2:7.2f} s  {g(tw2):6.2f} Gbit/s  CPU {cw2:5.2f} s")
print(f"taishi -w 1 --events flow,stats: {tf1:7.2f} s  {g(tf1):6.2f} Gbit/s  CPU {cf1:5.2f} s")
print(f"taishi -w 2 --events flow,stats: {tf2:7.2f} s  {g(tf2):6.2f} Gbit/s  CPU {cf2:5.2f} s")
print(f"ratio taishi -w 1 / ndpiReader: default {tn / tw1:.2f}x, flow pipeline {tn / tf1:.2f}x (target >= 3)")
print(f"ratio taishi -w 2 / taishi -w 1: default {tw1 / tw2:.2f}x, flow pipeline {tf1 / tf2:.2f}x (target >= 1.7)")
f = st['flow']
print(f"memory per flow: {f['bytes_per_flow']} B in the table, + {f['bytes_per_flow_in_dpi']} B of nDPI "
      f"state while under detection; (peak RSS - RSS without flows) / peak flows = "
      f"{(mw1 - base) * 1024 / max(f['peak_active'], 1):.0f} B ({f['peak_active']} flows at the peak)")
PY
# The figure for the rule engine (issue 19): taishi -w 1 against Suricata 7.0.10
# --runmode single with every enabled ET Open rule, both at their defaults
# (Suricata's shipped suricata.yaml), then at equal work (the parity
# settings), then on the adversarial capture; RULES_ROUNDS alternating rounds
# (default 5), medians (tests/tools/bench_rules.sh; BENCH_SURICATA=0 skips it).
if [ "${BENCH_SURICATA:-1}" = 1 ] && command -v suricata >/dev/null && [ -d ../shared/rules/et-open ]; then
    ROUNDS=${RULES_ROUNDS:-5} tests/tools/bench_rules.sh "$B" "$PCAP" ../shared/rules/et-open
fi
# Suricata 7.0.10 with every enabled ET Open rule on the same capture, one
# thread, on the parity configuration (tests/data/suricata.yaml): start-up,
# rule load and the no-rules pipeline (tests/tools/suricata_bench.sh).
if [ "${BENCH_SURICATA:-1}" = 1 ] && command -v suricata >/dev/null && [ -d ../shared/rules/et-open ]; then
    tests/tools/suricata_bench.sh "$PCAP" ../shared/rules/et-open build/suricata-bench
fi
# taishi with the same rules, side by side with Suricata's run above: start-up
# (a one-packet capture; cold = empty Hyperscan cache, warm = cached), the
# whole run with -w 1 (one thread of rules, like --runmode single) and -w 2,
# alerts-only output as Suricata's (--events alert; the app layer still runs:
# the rules need its buffers), Gbit/s with and without start-up, and the
# alerts per sid against Suricata's. Suricata's packet time is its own
# "time elapsed" (start-up measured apart is too noisy to subtract).
if [ "${BENCH_RULES:-1}" = 1 ] && [ -d ../shared/rules/et-open ]; then
    ET=()
    for f in ../shared/rules/et-open/*.rules; do ET+=(-S "$f"); done
    ONE=build/suricata-bench/one.pcap
    [ -s "$ONE" ] || ONE=pcaps/l4-icmp.pcap
    rm -rf "$TMP/hs"
    tsec() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "bench: $* failed"; exit 1; }; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
    cold=$(tsec "$B/taishi" -r "$ONE" -w 1 "${ET[@]}" --set "detect.cache-dir=$TMP/hs" -o /dev/null)
    warm=$(tsec "$B/taishi" -r "$ONE" -w 1 "${ET[@]}" --set "detect.cache-dir=$TMP/hs" -o /dev/null)
    "$B/taishi" --check-rules "${ET[@]}" --set detect.cache-dir= >"$TMP/check" 2>&1 || true
    for r in $(seq "$ROUNDS"); do
        t=$(tsec "$B/taishi" -r "$PCAP" -w 1 "${ET[@]}" --set "detect.cache-dir=$TMP/hs" --events alert -o /dev/null); echo "$t" >>"$TMP/r1"
        t=$(tsec "$B/taishi" -r "$PCAP" -w 2 "${ET[@]}" --set "detect.cache-dir=$TMP/hs" --events alert -o /dev/null); echo "$t" >>"$TMP/r2"
    done
    rm -f "$TMP/alerts.json"
    "$B/taishi" -r "$PCAP" -w 1 "${ET[@]}" --set "detect.cache-dir=$TMP/hs" --events alert -o "$TMP/alerts.json" 2>/dev/null
    python3 tests/tools/alerts_tsv.py "$TMP/alerts.json" >"$TMP/alerts.tsv"
    python3 - "$size" "$cold" "$warm" "$(sort -n "$TMP/r1" | sed -n "$(( (ROUNDS + 1) / 2 ))p")" \
        "$(sort -n "$TMP/r2" | sed -n "$(( (ROUNDS + 1) / 2 ))p")" "$TMP/check" build/suricata-bench/summary.txt <<'PY'
import re, sys
size = int(sys.argv[1]); cold, warm, t1, t2 = map(float, sys.argv[2:6])
chk = open(sys.argv[6]).read()
g = lambda t: size * 8 / t / 1e9 if t > 0 else float('nan')
m = re.search(r'^rules: .*$', chk, re.M); c = re.search(r'^parse: .*$', chk, re.M)
print(f"taishi + ET Open: {m.group(0) if m else '?'}; {c.group(0) if c else '?'}")
print(f"taishi start-up (1-packet capture): {cold:.2f} s with an empty cache, {warm:.2f} s with it")
print(f"taishi -w 1 + ET Open: total {t1:6.2f} s {g(t1):5.2f} Gbit/s; packets only {t1 - warm:6.2f} s {g(t1 - warm):5.2f} Gbit/s")
print(f"taishi -w 2 + ET Open: total {t2:6.2f} s {g(t2):5.2f} Gbit/s; packets only {t2 - warm:6.2f} s {g(t2 - warm):5.2f} Gbit/s")
try:
    s = open(sys.argv[7]).read()
    sr = float(re.search(r'start-up \(1-packet capture\): ([\d.]+) s with the rules', s).group(1))
    fr = float(re.search(r'with the rules : total +([\d.]+) s', s).group(1))
    m2 = re.search(r"time elapsed' \(engine start to stop\): ([\d.]+) s with the rules", s)
    fp = float(m2.group(1)) if m2 else fr - sr
    print(f"Suricata 7.0.10 --runmode single + ET Open: total {fr:.2f} s, packets {fp:.2f} s "
          f"({g(fp):.2f} Gbit/s), start-up {sr:.2f} s")
    print(f"taishi vs Suricata (parity configuration, taishi at its defaults): packets only -w 1 {fp / max(t1 - warm, 1e-9):.2f}x, -w 2 "
          f"{fp / max(t2 - warm, 1e-9):.2f}x (target >= 1.5x); total -w 1 {fr / t1:.2f}x; "
          f"start-up {sr / warm:.1f}x faster warm, {sr / cold:.1f}x cold")
except (OSError, AttributeError):
    print("(no Suricata summary: run with Suricata 7.0.10 installed for the ratios)")
PY
    if [ -f build/suricata-bench/alerts.tsv ]; then
        tests/tools/compare_alerts.py --key sid build/suricata-bench/alerts.tsv "$TMP/alerts.tsv" >"$TMP/acmp" 2>&1 || true
        echo "alerts (Suricata, taishi): $(tail -1 "$TMP/acmp")"
        grep '^\*' "$TMP/acmp" | head -20 | sed 's/^/  differing sid: /'
    fi

    # Both regex engines side by side (tests/tools/engines_bench.sh)
    [ "${BENCH_ENGINES:-1}" = 1 ] && tests/tools/engines_bench.sh "$B" "$PCAP" "$ROUNDS"
fi
