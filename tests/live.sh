#!/bin/bash
# live.sh BUILD_DIR - live capture (-i) in a private network namespace.
#
# Makes its own namespace (ip netns add, a name unique to this run) with a
# veth pair in it and no address anywhere but loopback (IPv6 is switched off
# in the namespace, so not even a link-local address appears and the kernel
# sends nothing of its own). The sensor captures on one end, tcpreplay sends
# the project's captures (pcaps/) into the other, SIGTERM stops the sensor.
# Checks:
#   1. parity: the live run and the offline (-r) run of the same capture give
#      the same events (tests/tools/live_compare.py says what is compared and
#      what cannot be: packet times, flow ids); every frame arrived, no drops;
#   2. service: after start-up the process runs as nobody:nogroup with no
#      supplementary group and no capability but CAP_NET_RAW; pidfile written
#      and removed; SIGHUP reopens the -o file (logrotate); exit 0 on SIGTERM;
#   3. drops: a replay at top speed into one worker with a tiny ring makes the
#      kernel drop, and the stats event says how many; the slow replays of 1.
#      drop nothing;
#   4. a lost interface: removed while capturing -> error logged, the sensor
#      keeps running, and when the interface is back capture resumes; set
#      down and up -> both logged, capture goes on; 5. started while the
#      interface is down -> a warning, capture once it is up;
#   6. log.syslog sends the log to syslog (a listener on a private /dev/log);
#   7. with Kafka (librdkafka's mock cluster in the namespace): SIGTERM
#      flushes every event the workers produced;
#   8. (normal build's run, when build/san-thread exists) a live run under
#      ThreadSanitizer: capture threads, periodic stats, SIGHUP reloads.
# Skips (counted) only when not root or when network namespaces do not work.
# Ends with "N passed, M failed, K skipped"; exit 1 when anything failed.
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
T=$B/taishi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL [live $B]: $*"; }
expect() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }
skip_all() { echo "SKIP [live $B]: $*"; skip=$((skip + 1)); finish; }

[ -x "$T" ] || { bad "no binary $T"; finish; }
[ "$(id -u)" -eq 0 ] || skip_all "live capture tests need root (network namespaces, raw sockets)"
command -v tcpreplay >/dev/null || { bad "tcpreplay missing (make deps)"; finish; }
NS=taishi-live-$$-$RANDOM
S=tsl$$s R=tsl$$r                           # sensor end, replay end (at most 15 characters)
S=${S:0:15} R=${R:0:15}
TMP=$(mktemp -d)
SPID="" MOCK=""
cleanup() {
    [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
    [ -n "$MOCK" ] && kill -9 "$MOCK" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS" 2>"$TMP/nserr" || skip_all "cannot create a network namespace: $(cat "$TMP/nserr")"
nsx() { ip netns exec "$NS" "$@"; }
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 ||
    skip_all "cannot configure the namespace"
nsx ip link set lo up
make_link() {
    nsx ip link add "$S" type veth peer name "$R" &&
    nsx ip link set "$S" mtu 9000 up && nsx ip link set "$R" mtu 9000 up
}
make_link || skip_all "cannot create a veth pair in the namespace"
# The output directory must be writable by the user the sensor becomes.
chmod 755 "$TMP"; mkdir "$TMP/run"; chown nobody "$TMP/run"

san_clean() { ! grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$1"; }
absent_tsan() { ! grep -q "ThreadSanitizer" "$1"; }
absent_text() { ! grep -q "$1" "$2"; }
# start OUT ERR ARGS...: the sensor on $S, in the background ($SPID), once it says it captures
start() {
    local out=$1 err=$2; shift 2
    rm -f "$out" "$err"                     # the sensor appends, like Suricata's eve.json;
    : >"$err"                               # and no old "capturing on" may be read
    # not through nsx: $! must be the sensor itself (ip netns exec execs it)
    ip netns exec "$NS" "$T" -i "$S" -o "$out" --set sensor-id=test "$@" 2>"$err" &
    SPID=$!
    for _ in $(seq 100); do
        grep -q "capturing on" "$err" && return 0
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.05
    done
    bad "sensor did not start ($*): $(head -3 "$err")"
    return 1
}
# stop: SIGTERM, wait; the exit status in $src
stop() {
    kill -TERM "$SPID"; wait "$SPID"; src=$?; SPID=""
}
# replay PCAP TCPREPLAY-ARGS...: the number of frames sent in $sent
replay() {
    local p=$1; shift
    nsx tcpreplay -i "$R" "$@" "$p" >"$TMP/replay" 2>&1
    sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$TMP/replay")
}
stat_of() {   # stat_of FILE EXPR: a value from the last stats event, e.g. ["capture"]["packets"]
    python3 -c 'import json,sys
s=[json.loads(l) for l in open(sys.argv[1]) if "\"event_type\":\"stats\"" in l][-1]["stats"]
print(eval("s" + sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# 1. parity with the offline run, slow replays (20 Mbit/s): nothing dropped.
# Not replayed: link-* (not Ethernet), corrupt-* (not readable), malformed
# (frames shorter than an Ethernet header never cross a veth, and the
# kernel's defragmenter, PACKET_FANOUT_FLAG_DEFRAG, consumes broken IPv4
# fragments), ipv4-frag (the kernel reassembles IPv4 fragments before the
# fanout, so the sensor sees each datagram as one frame: checked below on
# what must still match), ipv6-frag with 2 workers (the kernel does not
# reassemble IPv6: non-first fragments hash without ports and may reach
# another worker than their flow; with 1 worker it is compared exactly).
PARITY="demo:1 demo:2 many-flows:2 enrich:2 encap-vlan:2 encap-qinq:2 encap-mpls:2 encap-gre:2
        encap-vxlan:2 encap-gtpu:2 encap-ipip:2 encap-6in4:2 encap-teredo:2 encap-pppoe:2
        ipv6-ext:2 ipv4-options:2 l4-icmp:2 l4-sctp:2 fmt-pcapng:2 ipv6-frag:1"
[ "${QUICK:-0}" = 1 ] && PARITY="demo:2 many-flows:2 encap-vxlan:2 ipv6-frag:1"
for pw in $PARITY; do
    n=${pw%%:*} w=${pw##*:}
    p=pcaps/$n.pcap; [ -f "$p" ] || p=pcaps/$n.pcapng
    start "$TMP/live.json" "$TMP/err" -w "$w" || continue
    replay "$p" --mbps 20
    stop
    "$T" -r "$p" -w 1 --set sensor-id=test >"$TMP/off.json" 2>/dev/null
    expect "$n -w $w: exit 0 on SIGTERM ($src)" [ "$src" -eq 0 ]
    expect "$n -w $w: no sanitizer report" san_clean "$TMP/err"
    if python3 tests/tools/live_compare.py "$TMP/off.json" "$TMP/live.json" >"$TMP/cmp"; then ok; else
        bad "$n -w $w: live events differ from offline"; head -8 "$TMP/cmp"; fi
    pk=$(stat_of "$TMP/live.json" '["capture"]["packets"]')
    kd=$(stat_of "$TMP/live.json" '["capture"]["kernel_drops"]')
    id=$(stat_of "$TMP/live.json" '["capture"]["internal_drops"]')
    expect "$n -w $w: every frame sent was captured ($sent sent, $pk captured, drops $kd/$id)" \
        [ -n "$sent" ] && [ "$sent" = "$pk" ] && [ "$kd" = 0 ] && [ "$id" = 0 ]
done
rm -f "$TMP/live.json"

# Rules: the project's rules on its rule captures, live against offline:
# the same alerts (sid, direction, flow) and the same app events.
RULES=()
for f in rules/*.rules; do RULES+=(-S "$f"); done
for n in rules-http rules-tcp-edge rules-telnet; do
    start "$TMP/live.json" "$TMP/err" -w 2 "${RULES[@]}" --set detect.cache-dir= || continue
    replay "pcaps/$n.pcap" --mbps 20
    stop
    "$T" -r "pcaps/$n.pcap" -w 1 --set sensor-id=test "${RULES[@]}" --set detect.cache-dir= \
        >"$TMP/off.json" 2>/dev/null
    expect "$n with rules: exit 0 on SIGTERM ($src)" [ "$src" -eq 0 ]
    expect "$n with rules: no sanitizer report" san_clean "$TMP/err"
    expect "$n with rules: alerts live ($(grep -c '"event_type":"alert"' "$TMP/live.json")) as offline" \
        [ "$(grep -c '"event_type":"alert"' "$TMP/off.json")" -gt 0 ]
    if python3 tests/tools/live_compare.py "$TMP/off.json" "$TMP/live.json" >"$TMP/cmp"; then ok; else
        bad "$n with rules: live events differ from offline"; head -8 "$TMP/cmp"; fi
done
rm -f "$TMP/live.json"

# IPv4 fragments: reassembled by the kernel (PACKET_FANOUT_FLAG_DEFRAG) so
# they hash with their flow. The same flows, app protocols and packet counts
# as offline; a reassembled datagram arrives as one Ethernet frame, so its
# bytes include the 14-byte Ethernet header (offline: the IP datagram only).
start "$TMP/live.json" "$TMP/err" -w 2 && {
    replay pcaps/ipv4-frag.pcap --mbps 20
    stop
    "$T" -r pcaps/ipv4-frag.pcap -w 1 --set sensor-id=test >"$TMP/off.json" 2>/dev/null
    expect "ipv4-frag: same flows, packets, app protocols; bytes +14 per reassembled datagram" python3 -c 'import json,sys
def flows(p):
    r = {}
    for l in open(p):
        e = json.loads(l)
        if e["event_type"] == "flow":
            f = e["flow"]
            r[e["community_id"]] = (e["app_proto"], f["pkts_toserver"], f["pkts_toclient"], f["bytes_toserver"], f["bytes_toclient"])
    return r
off, live = flows(sys.argv[1]), flows(sys.argv[2])
assert off.keys() == live.keys() and len(off) == 3, (off, live)
for k in off:
    a, b = off[k], live[k]
    assert a[:3] == b[:3], (a, b)
    assert (b[3] - a[3]) == 14 * ((b[3] - a[3]) // 14) and (b[4] - a[4]) % 14 == 0, (a, b)
assert sum(live[k][4] - off[k][4] for k in off) > 0, "no reassembled datagram seen"' "$TMP/off.json" "$TMP/live.json"
}

# 2. service: run as nobody, pidfile, SIGHUP reopens the output file.
start "$TMP/run/ev.json" "$TMP/err" -w 2 --set run-as.user=nobody --set pidfile="$TMP/run/taishi.pid" \
    --set stats.interval=1 && {
    st=/proc/$SPID/status
    expect "run-as: uid nobody ($(grep Uid: "$st"))" grep -qP "^Uid:\t65534\t65534\t65534\t65534$" "$st"
    expect "run-as: gid nogroup ($(grep Gid: "$st"))" grep -qP "^Gid:\t65534\t65534\t65534\t65534$" "$st"
    expect "run-as: no supplementary groups" grep -qP "^Groups:\s*$" "$st"
    expect "run-as: only CAP_NET_RAW effective and permitted ($(grep -E 'CapEff|CapPrm' "$st" | tr '\n' ' '))" \
        grep -qP "^CapEff:\t0000000000002000$" "$st" && grep -qP "^CapPrm:\t0000000000002000$" "$st"
    expect "run-as: no capability can come back through exec" grep -qP "^Cap(Inh|Amb):\t0000000000000000$" "$st"
    expect "pidfile holds the pid" [ "$(cat "$TMP/run/taishi.pid" 2>/dev/null)" = "$SPID" ]
    replay pcaps/demo.pcap --mbps 20
    sleep 1.2
    mv "$TMP/run/ev.json" "$TMP/run/ev.json.1"   # what logrotate does
    kill -HUP "$SPID"
    sleep 1.5
    replay pcaps/enrich.pcap --mbps 20
    stop
    expect "service run: exit 0 on SIGTERM" [ "$src" -eq 0 ]
    expect "pidfile removed at exit" [ ! -e "$TMP/run/taishi.pid" ]
    expect "SIGHUP: the rotated file holds the events before it" grep -q '"event_type":"stats"' "$TMP/run/ev.json.1"
    expect "SIGHUP: a new file, written after it (flows at the end)" grep -q '"event_type":"flow"' "$TMP/run/ev.json"
    expect "SIGHUP: logged" grep -q "output file reopened" "$TMP/err"
    expect "service run: no sanitizer report" san_clean "$TMP/err"
}
# A user that does not exist: refused before any packet is read.
nsx "$T" -i "$S" --set run-as.user=no-such-user-here -o /dev/null >/dev/null 2>"$TMP/err"
expect "run-as: unknown user refused, exit 1" [ $? -eq 1 ] && grep -q "run-as.user: no such user" "$TMP/err"
nsx "$T" -i no-such-if0 -o /dev/null >/dev/null 2>"$TMP/err"
expect "unknown interface: exit 1, named" [ $? -eq 1 ] && grep -q "no-such-if0" "$TMP/err"
nsx "$T" -i "$S" --set "capture.bpf=port nonsense" -o /dev/null >/dev/null 2>"$TMP/err"
expect "bad BPF filter: exit 1, key named" [ $? -eq 1 ] && grep -q "capture.bpf" "$TMP/err"
# A BPF filter: only DNS of demo.pcap
start "$TMP/live.json" "$TMP/err" -w 2 --set "capture.bpf=udp port 53" && {
    replay pcaps/demo.pcap --mbps 20
    stop
    expect "capture.bpf: only the filtered flows" python3 -c 'import json,sys
f=[json.loads(l) for l in open(sys.argv[1]) if "\"event_type\":\"flow\"" in l]
assert f and all(e["proto"] == "UDP" and 53 in (e["src_port"], e["dest_port"]) for e in f), f' "$TMP/live.json"
}

# 3. drops: 300,000 SYNs at top speed into one worker with a 64 KiB ring.
python3 tests/tools/flood_pcap.py syn 300000 >"$TMP/flood.pcap"
start "$TMP/live.json" "$TMP/err" -w 1 --set capture.buffer-size=64kb --set capture.snaplen=128 \
    --events stats && {
    replay "$TMP/flood.pcap" --topspeed
    stop
    pk=$(stat_of "$TMP/live.json" '["capture"]["packets"]')
    kd=$(stat_of "$TMP/live.json" '["capture"]["kernel_drops"]')
    expect "drops: kernel drops counted at top speed ($sent sent, $pk captured, $kd dropped)" \
        [ -n "$kd" ] && [ "$kd" -gt 0 ] && [ "$pk" -gt 0 ]
    expect "drops: captured + dropped <= sent, nothing counted twice" [ $((pk + kd)) -le "$sent" ]
    echo "live [$B]: top speed into -w 1 with a 64 KiB ring: $sent sent, $pk captured, $kd kernel drops"
    expect "drops: exit 0" [ "$src" -eq 0 ]
}

# 4. the interface disappears while capturing, then comes back.
start "$TMP/run/live.json" "$TMP/err" -w 2 --set capture.retry-interval=1 --set run-as.user=nobody && {
    replay pcaps/demo.pcap --mbps 20
    sleep 0.3
    nsx ip link del "$S"
    sleep 1.5
    expect "lost interface: error logged" grep -q "interface $S lost" "$TMP/err"
    expect "lost interface: still running" kill -0 "$SPID"
    make_link
    for _ in $(seq 60); do grep -q "interface $S: capturing again" "$TMP/err" && break; sleep 0.1; done
    expect "lost interface: capture resumes when it is back" grep -q "interface $S: capturing again" "$TMP/err"
    sleep 0.3
    replay pcaps/enrich.pcap --mbps 20
    # down and up again: the handles stay, the state is logged
    nsx ip link set "$S" down
    for _ in $(seq 30); do [ "$(grep -c "interface $S is down" "$TMP/err")" -ge 2 ] && break; sleep 0.1; done
    expect "interface down: error logged by each worker" [ "$(grep -c "interface $S is down" "$TMP/err")" -eq 2 ]
    nsx ip link set "$S" up
    for _ in $(seq 30); do [ "$(grep -c "interface $S: up again" "$TMP/err")" -ge 2 ] && break; sleep 0.1; done
    expect "interface up again: logged by each worker" [ "$(grep -c "interface $S: up again" "$TMP/err")" -eq 2 ]
    replay pcaps/l4-sctp.pcap --mbps 20
    stop
    expect "lost interface: exit 0" [ "$src" -eq 0 ]
    expect "interface up again: capture goes on" grep -q '"proto":"SCTP"' "$TMP/run/live.json"
    "$T" -r pcaps/enrich.pcap -w 1 >"$TMP/off.json" 2>/dev/null
    expect "lost interface: the flows after the reconnect are there" python3 -c 'import json,sys
ids = lambda p: {json.loads(l)["community_id"] for l in open(p) if "\"event_type\":\"flow\"" in l}
off, live = ids(sys.argv[1]), ids(sys.argv[2])
assert off and off <= live, off - live' "$TMP/off.json" "$TMP/run/live.json"
    ie=$(stat_of "$TMP/run/live.json" '["capture"]["interface_errors"]')
    rc=$(stat_of "$TMP/run/live.json" '["capture"]["reconnects"]')
    expect "lost interface: counted ($ie lost, $rc back: removed and down, once per worker each)" [ "$ie" = 4 ] && [ "$rc" = 4 ]
    expect "lost interface: no sanitizer report" san_clean "$TMP/err"
}
# 5. started while the interface is down: a warning, capture once it is up.
nsx ip link set "$S" down
start "$TMP/live.json" "$TMP/err" -w 1 --set capture.retry-interval=1 && {
    expect "started while down: says so" grep -q "capture starts when it comes up" "$TMP/err"
    nsx ip link set "$S" up
    for _ in $(seq 40); do grep -q "interface $S: capturing again" "$TMP/err" && break; sleep 0.1; done
    expect "started while down: capturing once up" grep -q "interface $S: capturing again" "$TMP/err"
    sleep 0.2
    replay pcaps/demo.pcap --mbps 20
    stop
    expect "started while down: the flows are there" [ "$(grep -c '"event_type":"flow"' "$TMP/live.json")" -eq 11 ]
}

# 6. log.syslog: messages go to syslog (facility daemon, with level) and not
# to stderr. In a private mount namespace whose /dev is a fresh tmpfs, a
# listener takes /dev/log's place (no syslog daemon needed, nothing shared).
cat >"$TMP/syslog.sh" <<'SH'
mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 || exit 1
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("/dev/log")
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "w") as f:
    while True:
        f.write(s.recv(4096).decode(errors="replace") + "\n"); f.flush()' "$1" &
lp=$!
for _ in $(seq 50); do [ -e "$1.ready" ] && break; sleep 0.1; done
"$2" -r pcaps/corrupt-truncated.pcap -w 1 --set log.syslog=yes -o /dev/null 2>"$1.stderr"
echo "exit $?" >"$1.rc"
sleep 0.3; kill $lp
SH
if unshare --mount --propagation private bash "$TMP/syslog.sh" "$TMP/syslog.out" "$T" 2>"$TMP/unshare.err"; then
    expect "log.syslog: the error reaches syslog as daemon.err: $(head -1 "$TMP/syslog.out")" \
        grep -qE '^<27>.*taishi\[[0-9]+\]: capture .* is corrupt after 30 packets' "$TMP/syslog.out"
    expect "log.syslog: not on stderr" absent_text "corrupt after" "$TMP/syslog.out.stderr"
    expect "log.syslog: exit status unchanged (1)" grep -qx "exit 1" "$TMP/syslog.out.rc"
else
    bad "log.syslog: cannot make a private mount namespace: $(head -2 "$TMP/unshare.err")"
fi

# 7. Kafka: SIGTERM flushes what the workers produced (librdkafka's mock
# cluster, contrib/kafka-mock, in the same namespace), spooling nothing.
if [ -x build/kafka-mock ]; then
    mkfifo "$TMP/kctl"
    ip netns exec "$NS" build/kafka-mock -b 1 <"$TMP/kctl" >"$TMP/mock.out" 2>/dev/null &
    MOCK=$!
    exec 7>"$TMP/kctl"
    for _ in $(seq 50); do grep -q '^bootstrap=' "$TMP/mock.out" && break; sleep 0.1; done
    BOOT=$(sed -n 's/^bootstrap=//p' "$TMP/mock.out")
    start "$TMP/live.json" "$TMP/err" -w 2 --kafka "$BOOT" --set "outputs.kafka.spool-dir=$TMP/spool" && {
        replay pcaps/demo.pcap --mbps 20
        stop
        expect "kafka: exit 0 on SIGTERM" [ "$src" -eq 0 ]
        expect "kafka: every event delivered at shutdown, none left in the spool: $(grep 'kafka: produced' "$TMP/err")" \
            grep -qE "kafka: produced ([1-9][0-9]*), delivered \1, spooled \1," "$TMP/err"
        expect "kafka: spool empty after the stop" [ -z "$(ls "$TMP/spool"/wal-*.log 2>/dev/null)" ]
    }
    echo quit >&7; exec 7>&-; wait "$MOCK" 2>/dev/null; MOCK=""
else
    bad "kafka: build/kafka-mock missing (make build/kafka-mock)"
fi

# 8. ThreadSanitizer (once, from the normal build's run): workers capturing,
# the main thread reading their counters for periodic stats, a SIGHUP reload.
TS=build/san-thread/taishi
if [ "$B" = build ] && [ -x "$TS" ]; then
    T=$TS
    export TSAN_OPTIONS=halt_on_error=0:exitcode=97
    echo "ip,203.0.113.30" >"$TMP/run/intel.csv"
    start "$TMP/run/live.json" "$TMP/err" -w 3 --set stats.interval=1 --set "intel.files=[$TMP/run/intel.csv]" && {
        replay pcaps/many-flows.pcap --mbps 5 &
        rp=$!
        sleep 0.8; kill -HUP "$SPID"; sleep 0.8; kill -HUP "$SPID"
        wait $rp
        stop
        expect "tsan: exit 0 ($src)" [ "$src" -eq 0 ]
        expect "tsan: no data race reported: $(grep -m1 WARNING "$TMP/err") $(grep -m1 SUMMARY "$TMP/err") $(grep -m4 -E '^ +#[0-9] ' "$TMP/err" | tr -s ' ' | tr '\n' ';')" absent_tsan "$TMP/err"
        expect "tsan: reloaded while capturing" grep -q "reloaded:" "$TMP/err"
        expect "tsan: periodic stats while capturing" [ "$(grep -c '"event_type":"stats"' "$TMP/run/live.json")" -ge 2 ]
    }
fi
finish
