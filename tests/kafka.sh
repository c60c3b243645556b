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
# Prints one line per scenario and "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
T=$B/taishi
MOCK=build/kafka-mock
pass=0 fail=0
TMP=$(mktemp -d)
cleanup() { [ -n "${MOCKPID:-}" ] && kill "$MOCKPID" 2>/dev/null; exec 7>&- 2>/dev/null; rm -rf "$TMP"; }
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
run() {  # run SCENARIO OUTFILE ARGS... : taishi with Kafka for this scenario
    local sc=$1 out=$2; shift 2
    local sets=()
    for t in alerts flows app anomalies assets risks stats; do sets+=(--set "outputs.kafka.topics.$t=$sc.$t"); done
    "$T" "$@" -o "$out" --kafka "$BOOT" --set "outputs.kafka.spool-dir=$TMP/spool-$sc" "${sets[@]}" 2>>"$TMP/$sc.err"
}
compare() {  # compare SCENARIO DROPPED EXPECTED...
    local sc=$1 dropped=$2; shift 2
    TOPICS=$(for t in alerts flows app anomalies assets risks stats; do printf '%s.%s ' "$sc" "$t"; done)
    consume_all "$sc"
    local counters
    counters=$(sed -n 's/.*kafka: \(produced .*\)/\1/p' "$TMP/$sc.err" | tr '\n' ';')
    if res=$(python3 tests/tools/kafka_compare.py "$@" -- "$TMP/$sc.kafka" "$dropped"); then
        ok "$sc" "$res; sensor: $counters"
    else
        bad "$sc" "$res; sensor: $counters"; tail -5 "$TMP/$sc.err"
    fi
}
spooled_left() { ls "$TMP/spool-$1"/spool-*.dat 2>/dev/null | wc -l; }

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
dropped=$(sed -n 's/.*kafka: produced.*dropped \([0-9]*\) (spool full).*/\1/p' "$TMP/full.err" | tail -1)
grep -q "is full" "$TMP/full.err" && ok full-logged "dropped ${dropped:-?}" || bad full-logged "no log line"
mock up all
run full "$TMP/full2.json" -r pcaps/encap-qinq.pcap -w 1
[ "${dropped:-0}" -gt 0 ] && compare full "$dropped" "$TMP/full1.json" "$TMP/full2.json" || bad full "nothing dropped"

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
