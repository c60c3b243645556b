#!/usr/bin/env bash
# Self-test for kafka-mock (see README.md). Needs kcat. Exit 0 on success.
# Usage: selftest.sh            (uses ./kafka-mock next to this script,
#                                building it first if needed)
#        KAFKA_MOCK=/path/to/kafka-mock selftest.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
MOCK=${KAFKA_MOCK:-$here/kafka-mock}
if [ ! -x "$MOCK" ]; then
	make -s -C "$here" OUT="$MOCK" >&2 || { echo "FAIL: cannot build $MOCK"; exit 1; }
fi
command -v kcat >/dev/null || { echo "FAIL: kcat not installed"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kafka-mock-selftest.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	exec 3>&-
	rm -rf "$tmp"
}
trap cleanup EXIT

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
die() { echo "FAIL: $*"; echo "--- kafka-mock stderr:"; tail -n 20 "$tmp"/*.err 2>/dev/null; exit 1; }
KCAT() { timeout 20 kcat "$@"; }

# wait_line FILE N [PID]: wait (max 10 s, or until PID exits) until FILE
# has >= N lines, print line N
wait_line() {
	local i
	for i in $(seq 100); do
		if [ "$(wc -l <"$1")" -ge "$2" ]; then sed -n "$2p" "$1"; return 0; fi
		[ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}

# cmd LINE: send a control command to the main instance, check the "ok" reply
nreply=1
cmd() {
	local r
	echo "$1" >&3
	nreply=$((nreply + 1))
	r=$(wait_line "$tmp/main.out" $nreply) || die "no reply to '$1'"
	case "$r" in
	ok*) pass "command '$1' -> '$r'" ;;
	*) die "command '$1' -> '$r'" ;;
	esac
}

produce() { KCAT -P -b "$BOOT" -t t1 -K: "$@"; }
consume() { KCAT -C -b "$BOOT" -t t1 -o beginning -e -q -f '%k:%s\n'; }

# --- main instance: 3 brokers, t1 with 3 partitions, control via a FIFO ----
mkfifo "$tmp/ctl"
exec 3<>"$tmp/ctl" # read-write open never blocks, keeps the FIFO alive
"$MOCK" -b 3 -t t1:3 <"$tmp/ctl" >"$tmp/main.out" 2>"$tmp/main.err" &
MPID=$!
pids+=("$MPID")
line=$(wait_line "$tmp/main.out" 1 $MPID) || die "no bootstrap line"
case "$line" in
bootstrap=127.0.0.1:*,127.0.0.1:*,127.0.0.1:*) pass "got '$line'" ;;
*) die "bad first line '$line'" ;;
esac
BOOT=${line#bootstrap=}

# 1. produce 100 keyed messages, consume them back
for i in $(seq 100); do echo "k$i:v$i"; done >"$tmp/sent"
produce <"$tmp/sent" && pass "produced 100 messages" || fail "produce (rc=$?)"
consume >"$tmp/got"
if [ "$(sort "$tmp/got")" = "$(sort "$tmp/sent")" ]; then
	pass "consumed the same 100 messages"
else
	fail "consumed $(wc -l <"$tmp/got") messages, differ from sent"
fi

# 2. all brokers down: produce must fail (kcat exits 1 on delivery failure or
#    when all brokers are down; 124 would mean 'timeout' killed it)
cmd "down all"
start=$SECONDS
echo "kdown:vdown" | produce -X message.timeout.ms=2000 2>"$tmp/down.err"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ]; then
	pass "produce with brokers down failed (rc=$rc after $((SECONDS - start))s: $(grep -o 'Delivery failed.*\|All broker connections are down' "$tmp/down.err" | head -n 1))"
else
	fail "produce with brokers down: rc=$rc"
fi

# 3. up again: produce + consume work
cmd "up all"
echo "kup:vup" | produce && pass "produce after up" || fail "produce after up (rc=$?)"
consume >"$tmp/got"
grep -qx "kup:vup" "$tmp/got" && pass "consumed message produced after up" ||
	fail "message produced after up not consumed"
grep -qx "kdown:vdown" "$tmp/got" && fail "message produced while down was stored" ||
	pass "message produced while down was not stored"

# 4. injected Produce errors: retriable ones are retried by librdkafka
cmd "errors 3 REQUEST_TIMED_OUT"
echo "kretry:vretry" | produce -X retry.backoff.ms=10 -d msg 2>"$tmp/retry.err" &&
	pass "produce with 3 injected REQUEST_TIMED_OUT errors succeeded" ||
	fail "produce with injected errors (rc=$?)"
n=$(grep -c 'encountered error: Broker: Request timed out' "$tmp/retry.err")
[ "$n" -eq 3 ] && pass "client saw the 3 injected errors and retried" ||
	fail "client saw $n injected errors, expected 3"
consume >"$tmp/got"
n=$(grep -cx "kretry:vretry" "$tmp/got")
[ "$n" -ge 1 ] && pass "retried message consumed ($n copies, duplicates allowed)" ||
	fail "retried message not consumed"
cmd "errors 1 NOT_LEADER_FOR_PARTITION"
echo "knl:vnl" | produce -X retry.backoff.ms=10 && pass "produce after NOT_LEADER_FOR_PARTITION succeeded" ||
	fail "produce after NOT_LEADER_FOR_PARTITION (rc=$?)"
cmd "errors 1 10" # MSG_SIZE_TOO_LARGE: not retriable
echo "kbig:vbig" | produce 2>"$tmp/big.err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'Message size too large' "$tmp/big.err" &&
	pass "non-retriable injected error fails the delivery (rc=$rc)" || fail "errors 1 10: rc=$rc"

# 5. bad commands get an error reply, and the process keeps going
echo "frobnicate" >&3
nreply=$((nreply + 1))
r=$(wait_line "$tmp/main.out" $nreply)
case "$r" in error*) pass "bad command -> '$r'" ;; *) fail "bad command -> '$r'" ;; esac

# 6. SIGUSR1 / SIGUSR2
kill -USR1 "$MPID"
for i in $(seq 50); do grep -q 'SIGUSR1.*ok down' "$tmp/main.err" && break; sleep 0.1; done
echo "kusr:vusr" | produce -X message.timeout.ms=2000 2>/dev/null
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && pass "SIGUSR1: produce failed (rc=$rc)" || fail "SIGUSR1: produce rc=$rc"
kill -USR2 "$MPID"
for i in $(seq 50); do grep -q 'SIGUSR2.*ok up' "$tmp/main.err" && break; sleep 0.1; done
echo "kusr2:vusr2" | produce && pass "SIGUSR2: produce works again" || fail "SIGUSR2: produce (rc=$?)"

# 7. quit
cmd "quit"
for i in $(seq 100); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$MPID" 2>/dev/null; then
	fail "still running after quit"
else
	wait "$MPID"
	rc=$?
	[ $rc -eq 0 ] && pass "exited with 0 after quit" || fail "exit status $rc after quit"
fi

# --- second instance: fixed ports, stdin at EOF, schedule, SIGTERM ----------
port=0
for try in 1 2 3 4 5; do
	p=$((20000 + RANDOM % 30000))
	"$MOCK" -b 2 -p $p -s down@0.5,up:1@1,up@1.5 </dev/null >"$tmp/fixed.out" 2>"$tmp/fixed.err" &
	FPID=$!
	pids+=("$FPID")
	if line=$(wait_line "$tmp/fixed.out" 1 $FPID); then port=$p; break; fi
	wait "$FPID" # port in use: it exits 1, try another port
done
[ $port -ne 0 ] || die "could not start on a fixed port"
[ "$line" = "bootstrap=127.0.0.1:$port,127.0.0.1:$((port + 1))" ] &&
	pass "-p $port: '$line'" || fail "-p $port: '$line'"
for i in $(seq 100); do grep -q 'schedule: up: ok' "$tmp/fixed.err" && break; sleep 0.1; done
[ "$(grep -c 'schedule: .*: ok' "$tmp/fixed.err")" -eq 3 ] &&
	pass "schedule applied: $(grep -o 'schedule: [^:]*' "$tmp/fixed.err" | tr '\n' ' ')" ||
	fail "schedule not applied: $(cat "$tmp/fixed.err")"
KCAT -L -b "127.0.0.1:$port" -m 5 2>/dev/null | grep -q "broker 2 at 127.0.0.1:$((port + 1))" &&
	pass "metadata via fixed port (still running with stdin at EOF)" || fail "metadata via fixed port"
"$MOCK" -p $port </dev/null >/dev/null 2>"$tmp/inuse.err"
rc=$?
[ $rc -eq 1 ] && pass "port in use -> exit 1 ($(head -n 1 "$tmp/inuse.err"))" || fail "port in use -> rc=$rc"
kill -TERM "$FPID"
wait "$FPID"
rc=$?
[ $rc -eq 0 ] && pass "SIGTERM -> exit 0" || fail "SIGTERM -> exit $rc"

if [ $fails -ne 0 ]; then
	echo "selftest: $fails check(s) FAILED"
	exit 1
fi
echo "selftest: all checks passed"
