#!/bin/bash
# kafka.sh BUILD_DIR - the Kafka output against librdkafka's mock cluster
# (contrib/kafka-mock), each scenario checked event by event against the
# file sink with an independent consumer (kcat):
#   up        broker up the whole run
#   down-up   broker down for a whole run (everything spooled), up for the
#             next run, which replays the spool first
#   flap      broker going down and up in the middle of a run
#   errors    produce errors injected (retried by the idempotent producer)
#   full      broker down and a tiny spool: only the counted drops are missing
# and the write-ahead spool (every event is in the spool before Kafka), each
# also checked with `taishi --kafka-audit` (the seq headers):
#   crash     (a) broker down, SIGKILL mid-stream, broker up, restart: every
#             event of the file sink is in Kafka, the audit finds no gap
#   crash-cap (b) the same with spool-max hit: the audit's gaps are the
#             sensor's counted drops, and exactly those events are missing
#   cycles    (c) 10 kill/restart cycles under load, the broker down in some
#   damaged   (d) a spool segment cut at a random byte and another with a
#             flipped byte: the damage is counted, the rest replayed, the
#             audit's gaps are the counted drops
#   headers   sensor_id and seq on every message, seq continuing across runs
# Prints one line per scenario and "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
T=$B/taishi
MOCK=build/kafka-mock
pass=0 fail=0
TMP=${KAFKA_TMP:-$(mktemp -d)}; mkdir -p "$TMP"
cleanup() { [ -n "${MOCKPID:-}" ] && kill "$MOCKPID" 2>/dev/null; exec 7>&- 2>/dev/null; [ -n "${KAFKA_TMP:-}" ] || rm -rf "$TMP"; }
trap cleanup EXIT
ok() { pass=$((pass + 1)); echo "kafka: $1: ok ($2)"; }
bad() { fail=$((fail + 1)); echo "FAIL kafka: $1: $2"; }

# One mock cluster (3 brokers) for all scenarios, driven through a fifo.
mkfifo "$TMP/ctl"
"$MOCK" -b 3 <"$TMP/ctl" >"$TMP/mock.out" 2>"$TMP/mock.err" &
MOCKPID=$!
exec 7>"$TMP/ctl"
for _ in $(seq 50); do grep -q '^bootstrap=' "$TMP/mock.out" && break; sleep 0.1; done
BOOT=$(sed -n 's/^bootstrap=//p' "$TMP/mock.out")
[ -n "$BOOT" ] || { echo "FAIL kafka: mock cluster did not start"; cat "$TMP/mock.err"; echo "0 passed, 1 failed"; exit 1; }
mock() { echo "$*" >&7; sleep 0.3; }
TOPICS="taishi.alerts taishi.flows taishi.app taishi.anomalies taishi.assets taishi.risks taishi.stats"

# consume_all NAME: everything in every topic so far -> $TMP/NAME.kafka
consume_all() {
    : >"$TMP/$1.kafka"
    for t in $TOPICS; do
        timeout 30 kcat -C -b "$BOOT" -t "$t" -o beginning -e -q -f '%s\n' 2>/dev/null >>"$TMP/$1.kafka"
    done
}
# Each scenario uses its own topic prefix so consumers see only its events.
kargs() {  # kargs SCENARIO: the Kafka options of a scenario -> KARGS
    KARGS=(--kafka "$BOOT" --set "outputs.kafka.spool-dir=$TMP/spool-$1")
    for t in alerts flows app anomalies assets risks stats; do KARGS+=(--set "outputs.kafka.topics.$t=$1.$t"); done
}
run() {  # run SCENARIO OUTFILE ARGS... : taishi with Kafka for this scenario
    local sc=$1 out=$2; shift 2
    kargs "$sc"
    "$T" "$@" -o "$out" "${KARGS[@]}" 2>>"$TMP/$sc.err"
}
compare() {  # compare [--crash] SCENARIO DROPPED EXPECTED...
    local crash=()
    [ "$1" = --crash ] && { crash=(--crash); shift; }
    local sc=$1 dropped=$2; shift 2
    TOPICS=$(for t in alerts flows app anomalies assets risks stats; do printf '%s.%s ' "$sc" "$t"; done)
    consume_all "$sc"
    local counters
    counters=$(sed -n 's/.*kafka: \(produced [0-9]*\), delivered \([0-9]*\).*dropped \([0-9]*\).*damaged \([0-9]*\).*/\1 delivered \2 dropped \3 damaged \4/p' "$TMP/$sc.err" | tr '\n' ';')
    if res=$(python3 tests/tools/kafka_compare.py "${crash[@]}" "$@" -- "$TMP/$sc.kafka" "$dropped"); then
        ok "$sc" "$res; sensor: $counters"
    else
        bad "$sc" "$res; sensor: $counters"; tail -5 "$TMP/$sc.err"
    fi
}
spooled_left() { ls "$TMP/spool-$1"/wal-*.log 2>/dev/null | wc -l; }
# audit SCENARIO: taishi --kafka-audit over the scenario's topics; sets
# audit_rc, audit_line (the summary) and audit_missing / audit_drops
audit() {
    local topics
    topics=$(for t in alerts flows app anomalies assets risks stats; do printf '%s.%s,' "$1" "$t"; done)
    "$T" --kafka-audit "$BOOT" --topics "${topics%,}" >"$TMP/$1.audit" 2>&1; audit_rc=$?
    audit_line=$(grep '^audit:' "$TMP/$1.audit")
    audit_missing=$(sed -n 's/^audit:.* \([0-9]*\) seqs missing.*/\1/p' "$TMP/$1.audit")
    audit_drops=$(sed -n "s/^audit:.*sensors' drops \([0-9]*\).*/\1/p" "$TMP/$1.audit")
}
# killed SCENARIO OUTFILE AFTER ARGS...: many-flows.pcap streamed over 4 s
# (120 s of packet time, 1 s timeouts: events all along), SIGKILLed AFTER s in
killed() {
    local sc=$1 out=$2 after=$3; shift 3
    kargs "$sc"
    python3 tests/tools/slow_pcap.py pcaps/many-flows.pcap 4 120 2>/dev/null |
        "$T" -r - -w 2 -o "$out" "${KARGS[@]}" --set flow.timeouts.tcp.new=1 \
        --set flow.timeouts.udp.established=1 "$@" 2>>"$TMP/$sc.err" &
    local pid=$!
    sleep "$after"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
lines() { cat "$@" | wc -l; }

# up: several captures, both sinks
run up "$TMP/up.json" -r pcaps/demo.pcap -r pcaps/malformed.pcap -r pcaps/many-flows.pcap -w 2
compare up 0 "$TMP/up.json"
[ "$(spooled_left up)" -eq 0 ] && ok up-spool "spool empty" || bad up-spool "segments left"
timeout 30 kcat -C -b "$BOOT" -t up.flows -o beginning -e -q -f '%k\t%s\n' 2>/dev/null >"$TMP/keys"
if python3 -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    k, v = l.rstrip("\n").split("\t", 1)
    assert k == str(json.loads(v)["flow_id"]), (k, v[:80]); n += 1
assert n > 2000, n
print(n)' "$TMP/keys" >"$TMP/keys.out" 2>&1; then ok up-keys "$(cat "$TMP/keys.out") flow messages keyed by flow_id"; else bad up-keys "$(tail -1 "$TMP/keys.out")"; fi

# down-up: a whole run with the broker down, then a run with it up
mock down all
run down-up "$TMP/du1.json" -r pcaps/demo.pcap -r pcaps/encap-gre.pcap -w 2 --set outputs.kafka.flush-timeout=2
[ "$(spooled_left down-up)" -ge 1 ] && ok down-up-spooled "segments kept" || bad down-up-spooled "nothing spooled"
mock up all
run down-up "$TMP/du2.json" -r pcaps/encap-vlan.pcap -w 2
compare down-up 0 "$TMP/du1.json" "$TMP/du2.json"
[ "$(spooled_left down-up)" -eq 0 ] && ok down-up-replayed "spool removed" || bad down-up-replayed "segments left"

# flap: a 6 s run whose flows end all along (120 s of packet time, 1 s
# timeouts); the brokers go down 1.5 s in and come back 2.5 s later; with a
# 1 s message timeout, deliveries fail and go through the spool
( sleep 1.5; mock down all; sleep 2.5; mock up all ) &
FLAP=$!
python3 tests/tools/slow_pcap.py pcaps/many-flows.pcap 6 120 | run flap "$TMP/flap.json" -r - -w 2 \
    --set flow.timeouts.tcp.new=1 --set flow.timeouts.udp.established=1 \
    --set outputs.kafka.properties.message.timeout.ms=1000 --set outputs.kafka.flush-timeout=20
wait $FLAP
compare flap 0 "$TMP/flap.json"

# errors: retriable produce errors injected on the brokers
mock errors 10 NOT_LEADER_FOR_PARTITION
run errors "$TMP/err.json" -r pcaps/demo.pcap -r pcaps/many-flows.pcap -w 2
compare errors 0 "$TMP/err.json"

# full: broker down, 64 KiB of spool: the drops are counted, logged, in stats
mock down all
run full "$TMP/full1.json" -r pcaps/many-flows.pcap -w 2 --set outputs.kafka.flush-timeout=1 --set outputs.kafka.spool-max=64kb
dropped=$(sed -n 's/.*kafka: produced.*dropped \([0-9]*\) (spool full.*/\1/p' "$TMP/full.err" | tail -1)
grep -q "is full" "$TMP/full.err" && ok full-logged "dropped ${dropped:-?}" || bad full-logged "no log line"
mock up all
run full "$TMP/full2.json" -r pcaps/many-flows.pcap -w 1
dropped=$(sed -n 's/.*kafka: produced.*dropped \([0-9]*\) (spool full.*/\1/p' "$TMP/full.err" | tail -1)
[ "${dropped:-0}" -gt 0 ] && compare full "$dropped" "$TMP/full1.json" "$TMP/full2.json" || bad full "nothing dropped"
audit full
[ "$audit_rc" -eq 0 ] && [ "$audit_missing" = "$dropped" ] && ok full-audit "$audit_line" || bad full-audit "rc $audit_rc, counted $dropped: $audit_line"

# headers: every message of a run carries sensor_id and seq, and the seqs
# go on where the previous run (same spool) stopped
run up "$TMP/up2.json" -r pcaps/demo.pcap -w 1
timeout 30 kcat -C -b "$BOOT" -t up.flows -o beginning -e -q -f '%h\n' 2>/dev/null >"$TMP/hdrs"
if python3 -c 'import sys
seqs = []
for l in open(sys.argv[1]):
    h = dict(kv.split("=", 1) for kv in l.strip().split(","))
    assert h["sensor_id"], l
    seqs.append(int(h["seq"]))
seqs.sort()
assert len(seqs) > 2000 and seqs == list(range(len(seqs))), "seqs of the two runs are not 0..n-1 without holes"
print(len(seqs), "flow messages of two runs, seqs 0..%d" % (len(seqs) - 1))
' "$TMP/hdrs" >"$TMP/hdrs.out" 2>&1; then ok headers "$(cat "$TMP/hdrs.out")"; else bad headers "$(tail -2 "$TMP/hdrs.out")"; fi
audit up
[ "$audit_rc" -eq 0 ] && [ "$audit_missing" = 0 ] && ok up-audit "$audit_line" || bad up-audit "rc $audit_rc: $audit_line"

# crash (a): broker down, SIGKILL 2.5 s into a 4 s stream, broker up, restart
mock down all
killed crash "$TMP/crash1.json" 2.5
n1=$(lines "$TMP/crash1.json"); s1=$(spooled_left crash)
mock up all
run crash "$TMP/crash2.json" -r pcaps/encap-vlan.pcap -w 2
compare --crash crash 0 "$TMP/crash1.json" "$TMP/crash2.json"
audit crash
[ "$n1" -gt 100 ] && [ "$audit_rc" -eq 0 ] && [ "$audit_missing" = 0 ] &&
    ok crash-audit "killed after $n1 events in the file, $s1 segment(s) spooled; $audit_line" ||
    bad crash-audit "rc $audit_rc, $n1 events before the kill: $audit_line"

# crash-cap (b): the same with a 512 KiB spool; the restart (default bound)
# replays the same capture, so every family has events after the dropped ones
mock down all
killed crash-cap "$TMP/cap1.json" 3 --set outputs.kafka.spool-max=512kb
mock up all
run crash-cap "$TMP/cap2.json" -r pcaps/many-flows.pcap -w 2
audit crash-cap
if [ "$audit_rc" -eq 0 ] && [ "${audit_missing:-0}" -gt 0 ] && [ "$audit_missing" = "$audit_drops" ]; then
    ok crash-cap-audit "gaps = counted drops: $audit_line"
else
    bad crash-cap-audit "rc $audit_rc: $audit_line"
fi
compare --crash crash-cap "${audit_missing:-0}" "$TMP/cap1.json" "$TMP/cap2.json"

# cycles (c): 10 SIGKILLs under load at random moments, the broker down
# during every third run, then a last run to the end
for i in $(seq 10); do
    [ $((i % 3)) -eq 0 ] && mock down all
    killed cycles "$TMP/cyc$i.json" "$((RANDOM % 20 / 10 + 1)).$((RANDOM % 10))"
    [ $((i % 3)) -eq 0 ] && mock up all
done
run cycles "$TMP/cyc-last.json" -r pcaps/encap-vlan.pcap -w 2
cyc_files=("$TMP"/cyc*.json)
compare --crash cycles 0 "${cyc_files[@]}"
audit cycles
[ "$audit_rc" -eq 0 ] && [ "$audit_missing" = 0 ] &&
    ok cycles-audit "$(lines "${cyc_files[@]}") events in 11 files; $audit_line" || bad cycles-audit "rc $audit_rc: $audit_line"

# damaged (d): a run with the broker down leaves 3-4 segments (512 KiB each);
# the first is cut at a random byte, one byte of the second is flipped; the
# restart (same capture again) counts the damage and replays the rest
mock down all
run damaged "$TMP/dmg1.json" -r pcaps/many-flows.pcap -w 2 --set outputs.kafka.flush-timeout=1 --set outputs.kafka.spool-max=4mb
segs=("$TMP"/spool-damaged/wal-*.log)
if [ "${#segs[@]}" -ge 3 ]; then
    sz=$(stat -c %s "${segs[0]}"); cut=$(((RANDOM * 32768 + RANDOM) % sz + 1))
    truncate -s "$cut" "${segs[0]}"
    sz2=$(stat -c %s "${segs[1]}"); at=$((sz2 / 2))
    printf '\xff' | dd of="${segs[1]}" bs=1 seek="$at" conv=notrunc status=none
    mock up all
    run damaged "$TMP/dmg2.json" -r pcaps/many-flows.pcap -w 2 --set outputs.kafka.spool-max=4mb
    dmg=$(sed -n 's/.*kafka: produced.*damaged \([0-9]*\),.*/\1/p' "$TMP/damaged.err" | tail -1)
    audit damaged
    if [ "${dmg:-0}" -ge 2 ] && [ "$audit_rc" -eq 0 ] && [ "${audit_missing:-0}" -gt 0 ] && [ "$audit_missing" = "$audit_drops" ]; then
        ok damaged-audit "segment 1 cut at byte $cut of $sz, byte $at of segment 2 flipped: $dmg damaged stretches counted; $audit_line"
    else
        bad damaged-audit "damaged ${dmg:-?}, rc $audit_rc: $audit_line"
    fi
    compare damaged "${audit_missing:-0}" "$TMP/dmg1.json" "$TMP/dmg2.json"
else
    mock up all
    bad damaged "only ${#segs[@]} segment(s) spooled"
fi

# intel: indicators pushed to intel.kafka-topic, one before the start (the
# sensor replays the topic from its beginning) and one while it runs
echo "add,domain,example.net,platform,3" | timeout 20 kcat -P -b "$BOOT" -t intel.feed 2>/dev/null
python3 tests/tools/slow_pcap.py pcaps/demo.pcap 8 |
    "$T" -r - -w 2 --kafka "$BOOT" --set "outputs.kafka.spool-dir=$TMP/spool-intel" \
    --set intel.kafka-topic=intel.feed -o "$TMP/intel.json" --events alert 2>"$TMP/intel.err" &
IP=$!
sleep 2.5
echo "add,ip,203.0.113.30,platform,1" | timeout 20 kcat -P -b "$BOOT" -t intel.feed 2>/dev/null
wait $IP
sigs=$(grep -o '"signature":"[^"]*"' "$TMP/intel.json" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
if grep -q 'domain example.net (platform)' "$TMP/intel.json" && grep -q 'ip 203.0.113.30 (platform)' "$TMP/intel.json"; then
    ok intel-feed "$sigs"
else
    bad intel-feed "alerts: $sigs; $(grep -v '^%' "$TMP/intel.err" | tail -3)"
fi

echo "quit" >&7
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
