#!/bin/bash
# live_bench.sh BUILD_DIR - live capture throughput: the highest tcpreplay
# rate (Mbit/s, tcpreplay --mbps) at which taishi -i loses nothing, for -w 1
# and -w 2, on the 256 MiB bench capture.
#
# In a private network namespace (like tests/live.sh: a veth pair, no address
# but loopback): taishi captures on one end, tcpreplay sends the whole capture into the
# other end from memory (--preload-pcap). Events go to a file in a temporary
# directory (all types: the workers do their full work). A rate passes when the final stats
# event shows no kernel drop and every frame sent was captured (frames can
# also be lost before the capture socket: a veth queues what it receives in
# the kernel's per-CPU backlog, net.core.netdev_max_backlog, and drops beyond
# it, counted on the sending side only; on a NIC the same happens in its
# receive ring). First a run
# at tcpreplay's top speed (the ceiling of this setup), then a bisection
# between 0 and that rate, STEPS runs per worker count (default 5), so the
# answer is within ceiling / 2^STEPS. Every run replays all 256 MiB.
#   BENCH_PCAP=path (default build/bench-256MiB.pcap, built once with
#   ../shared/bench/make-bench-pcap.sh)  STEPS=5  WORKERS="1 2"
#   RING=64mb (capture.buffer-size; a small ring shows where drops begin)
# Needs root. Prints one line per run and a summary.
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
T=$B/taishi
PCAP=${BENCH_PCAP:-build/bench-256MiB.pcap}
STEPS=${STEPS:-5}
RING=${RING:-64mb}                          # capture.buffer-size, per handle
WORKERS=${WORKERS:-1 2}
[ "$(id -u)" -eq 0 ] || { echo "live_bench: needs root (network namespace, raw sockets)"; exit 1; }
if [ ! -s "$PCAP" ]; then
    [ -x ../shared/bench/make-bench-pcap.sh ] || { echo "live_bench: needs ../shared (or BENCH_PCAP=file)"; exit 1; }
    ../shared/bench/make-bench-pcap.sh 256 "$PCAP" || exit 1
fi
NS=taishi-bench-$$ S=tsb$$s R=tsb$$r
S=${S:0:15} R=${R:0:15}
TMP=$(mktemp -d)
SPID=""
cleanup() { [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null; ip netns del "$NS" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
ip netns add "$NS" || exit 1
nsx() { ip netns exec "$NS" "$@"; }
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsx ip link add "$S" type veth peer name "$R" && nsx ip link set "$S" mtu 65535 up &&
    nsx ip link set "$R" mtu 65535 up || exit 1

# IPv4 fragments reach the sensor reassembled (PACKET_FANOUT_FLAG_DEFRAG):
# N fragments of a datagram are one frame. Frames expected = frames sent -
# (fragments - datagrams); the capture is read once for that number.
read -r total deficit <<<"$(python3 -c 'import struct,sys
f = open(sys.argv[1], "rb"); f.read(24); n = frags = firsts = 0
while True:
    h = f.read(16)
    if len(h) < 16: break
    cl = struct.unpack("<IIII", h)[2]; d = f.read(cl); n += 1; o = 12
    et = int.from_bytes(d[o:o + 2], "big") if len(d) >= 14 else 0
    while et in (0x8100, 0x88a8) and len(d) >= o + 6:
        o += 4; et = int.from_bytes(d[o:o + 2], "big")
    if et == 0x0800 and len(d) >= o + 22:
        fo = int.from_bytes(d[o + 8:o + 10], "big")
        if fo & 0x3fff:
            frags += 1; firsts += (fo & 0x1fff) == 0
print(n, frags - firsts)' "$PCAP")"
echo "live_bench: $PCAP: $total frames; $deficit fewer reach the sensor (IPv4 fragments reassembled by the kernel)"

# trial W RATE: replays the capture at RATE Mbit/s ("top" = --topspeed) into
# taishi -w W; sets $drops (frames that should have reached the sensor and
# were not captured: the kernel drops of the stats event should be all of them),
# $mbps (the rate tcpreplay reports) and $sent.
trial() {
    local w=$1 rate=$2 speed
    [ "$rate" = top ] && speed=--topspeed || speed="--mbps=$rate"
    ip netns exec "$NS" "$T" -i "$S" -w "$w" -o "$TMP/ev.json" --set stats.interval=0 \
        --set "capture.buffer-size=$RING" 2>"$TMP/err" &
    SPID=$!
    for _ in $(seq 100); do grep -q "capturing on" "$TMP/err" && break; sleep 0.05; done
    nsx tcpreplay -i "$R" --preload-pcap $speed "$PCAP" >"$TMP/replay" 2>&1
    kill -TERM "$SPID"; wait "$SPID"; SPID=""
    sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$TMP/replay")
    mbps=$(sed -n 's/.*Rated: .*, \([0-9.]*\) Mbps.*/\1/p' "$TMP/replay")
    read -r pk kd <<<"$(python3 -c 'import json,sys
s=json.loads(open(sys.argv[1]).readlines()[-1])["stats"]["capture"]
print(s["packets"], s["kernel_drops"])' "$TMP/ev.json")"
    rm -f "$TMP/ev.json"
    drops=$((sent - deficit - pk))          # every loss, wherever; kd: those the kernel reported
    [ "$sent" = "$total" ] || drops=$((drops + total))    # tcpreplay could not send everything
    printf 'live_bench: -w %s at %-4s Mbit/s (tcpreplay: %s): %s sent, %s captured, %s lost, %s kernel drops in stats\n' \
        "$w" "$rate" "$mbps" "$sent" "$pk" "$drops" "$kd"
}

declare -A BEST TOP
for w in $WORKERS; do
    trial "$w" top
    top=${mbps%.*}
    TOP[$w]=$mbps
    if [ "$drops" -eq 0 ]; then             # the sensor keeps up with tcpreplay itself
        BEST[$w]=">= $mbps (tcpreplay's top speed here)"
        continue
    fi
    lo=0 hi=$top
    for _ in $(seq "$STEPS"); do
        mid=$(((lo + hi) / 2))
        trial "$w" "$mid"
        if [ "$drops" -eq 0 ]; then lo=$mid; else hi=$mid; fi
    done
    BEST[$w]=$lo
done
echo "live_bench: $PCAP ($(stat -c %s "$PCAP") bytes), capture.buffer-size=$RING per handle"
for w in $WORKERS; do
    echo "live_bench: -w $w: highest rate without drops: ${BEST[$w]} Mbit/s (tcpreplay top speed ${TOP[$w]} Mbit/s)"
done
