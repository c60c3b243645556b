#!/bin/bash
# engines_bench.sh BUILD_DIR PCAP [ROUNDS] - Hyperscan and Vectorscan side by
# side with every ET Open rule (../shared/rules/et-open), --events alert, -w 1
# and -w 2, alternating ROUNDS times (default 3), medians; make bench runs it.
# The Hyperscan one is BUILD_DIR/taishi; the Vectorscan one is the build of
# make test-vectorscan, run inside its root (build/roots/amd64-vectorscan;
# the capture hard-linked in). Each with its own warm rule cache; the
# start-up (a 1-packet capture, warm cache) is subtracted for "packets".
# Also the alerts each writes (they must be the same number).
set -eu
cd "$(dirname "$0")/../.."
B=$1 PCAP=$2 ROUNDS=${3:-3}
VR=build/roots/amd64-vectorscan
SHARED=../shared; [ -d "$SHARED/rules/et-open" ] || SHARED=/work/shared
if [ ! -x "$VR/src/taishi/build/taishi" ] || [ ! -d "$SHARED/rules/et-open" ]; then
    echo "(regex engines: one only; make test-vectorscan builds the Vectorscan one, ../shared has ET Open)"
    exit 0
fi
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
size=$(stat -c %s "$PCAP")
mkdir -p "$VR/bench/et"; rm -rf "$VR/bench/hs"; mkdir -p "$VR/bench/hs"
ln -f "$PCAP" "$VR/bench/bench.pcap" 2>/dev/null || cp "$PCAP" "$VR/bench/bench.pcap"
cp "$SHARED"/rules/et-open/*.rules "$SHARED"/rules/et-open/*.config "$VR/bench/et/" 2>/dev/null || true
ET=(); for f in "$SHARED"/rules/et-open/*.rules; do ET+=(-S "$f"); done
VET=(); for f in "$VR"/bench/et/*.rules; do VET+=(-S "/bench/et/$(basename "$f")"); done
hs() { "$B/taishi" "${ET[@]}" --set "detect.cache-dir=$TMP/hs" "$@"; }
vs() { tests/tools/root.sh run "$VR" /src/taishi/build/taishi "${VET[@]}" --set detect.cache-dir=/bench/hs "$@"; }
tsec() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "engines_bench: $* failed"; exit 1; }; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
hsv=$("$B/taishi" --version | sed -n 3p); vsv=$(tests/tools/root.sh run "$VR" /src/taishi/build/taishi --version | sed -n 3p)
cp pcaps/l4-icmp.pcap "$VR/bench/one.pcap"
tsec hs -r pcaps/l4-icmp.pcap -w 1 -o /dev/null >/dev/null        # fills the caches
tsec vs -r /bench/one.pcap -w 1 -o /dev/null >/dev/null
hw=$(tsec hs -r pcaps/l4-icmp.pcap -w 1 -o /dev/null)
vw=$(tsec vs -r /bench/one.pcap -w 1 -o /dev/null)
for _ in $(seq "$ROUNDS"); do
    tsec hs -r "$PCAP" -w 1 --events alert -o /dev/null >>"$TMP/h1"
    tsec vs -r /bench/bench.pcap -w 1 --events alert -o /dev/null >>"$TMP/v1"
    tsec hs -r "$PCAP" -w 2 --events alert -o /dev/null >>"$TMP/h2"
    tsec vs -r /bench/bench.pcap -w 2 --events alert -o /dev/null >>"$TMP/v2"
done
hs -r "$PCAP" -w 1 --events alert -o - 2>/dev/null >"$TMP/ha"
vs -r /bench/bench.pcap -w 1 --events alert -o - 2>/dev/null >"$TMP/va"
med() { sort -n "$1" | sed -n "$(( (ROUNDS + 1) / 2 ))p"; }
python3 - "$size" "$hw" "$vw" "$(med "$TMP/h1")" "$(med "$TMP/h2")" "$(med "$TMP/v1")" "$(med "$TMP/v2")" \
    "$hsv" "$vsv" "$TMP/ha" "$TMP/va" <<'PY'
import sys
size = int(sys.argv[1]); hw, vw, h1, h2, v1, v2 = map(float, sys.argv[2:8])
g = lambda t: size * 8 / t / 1e9 if t > 0 else float('nan')
n = lambda p: sum(1 for _ in open(p))
print("regex engines, ET Open, --events alert (medians; packets = total - warm start-up):")
print(f"  {'engine':28} {'start-up':>8}  {'-w 1 total, packets':>26}  {'-w 2 total, packets':>26}  alerts")
for name, w, t1, t2, a in ((sys.argv[8], hw, h1, h2, sys.argv[10]), (sys.argv[9], vw, v1, v2, sys.argv[11])):
    print(f"  {name[:28]:28} {w:7.2f}s  {t1:6.2f}s {t1 - w:6.2f}s {g(t1 - w):5.2f} Gbit/s  "
          f"{t2:6.2f}s {t2 - w:6.2f}s {g(t2 - w):5.2f} Gbit/s  {n(a)}")
print(f"  Vectorscan / Hyperscan packet time: -w 1 {(v1 - vw) / max(h1 - hw, 1e-9):.2f}, "
      f"-w 2 {(v2 - vw) / max(h2 - hw, 1e-9):.2f}; alerts {'the same number' if n(sys.argv[10]) == n(sys.argv[11]) else 'DIFFER'}")
PY
