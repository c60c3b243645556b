#!/bin/bash
# metrics.sh BUILD_DIR - the Prometheus endpoint (metrics.listen) against a
# real Prometheus (Debian's prometheus package), in a private network
# namespace like tests/live.sh (a veth pair, IPv6 off, nothing else talks).
#
#   1. the sensor captures live on one end with the project's rules and
#      metrics.listen=127.0.0.1:9711 (the namespace's own loopback);
#   2. GET /metrics answers the text format (version 0.0.4); GET /, a POST,
#      a HEAD and /metrics/x get 404; 20 idle connections held open (slow
#      clients) while traffic flows change nothing: every frame is counted,
#      nothing dropped, /metrics still answers;
#   3. Prometheus runs as a child process (its own config and storage in a
#      temporary directory, scrape interval 1 s, listening on the
#      namespace's 127.0.0.1:9090); tcpreplay sends pcaps/rules-http.pcap
#      and pcaps/enrich.pcap; once Prometheus has scraped every frame, the
#      counters it holds are read through its HTTP query API, the sensor is
#      stopped, and each must equal the same counter of the final `stats`
#      event (capture, decoder, flows created, dpi, alerts by severity,
#      alert events, the ruleset's size).
# Every wait is bounded; everything started is stopped (trap). Skips
# (counted) only when not root or when network namespaces do not work.
# Ends with "N passed, M failed, K skipped"; exit 1 when anything failed.
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
T=$B/taishi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL [metrics $B]: $*"; }
expect() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }
skip_all() { echo "SKIP [metrics $B]: $*"; skip=$((skip + 1)); finish; }

[ -x "$T" ] || { bad "no binary $T"; finish; }
[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespace, live capture)"
command -v tcpreplay >/dev/null || { bad "tcpreplay missing (make deps)"; finish; }
PROM=$(command -v prometheus || echo /usr/bin/prometheus)
[ -x "$PROM" ] || { bad "prometheus missing (make deps installs Debian's prometheus)"; finish; }
NS=taishi-metrics-$$-$RANDOM
S=tsm$$s R=tsm$$r
S=${S:0:15} R=${R:0:15}
TMP=$(mktemp -d)
SPID="" PPID_PROM="" HOLD=""
cleanup() {
    [ -n "$HOLD" ] && kill -9 "$HOLD" 2>/dev/null
    [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
    [ -n "$PPID_PROM" ] && kill -9 "$PPID_PROM" 2>/dev/null
    wait 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS" 2>"$TMP/nserr" || skip_all "cannot create a network namespace: $(cat "$TMP/nserr")"
nsx() { ip netns exec "$NS" "$@"; }
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 ||
    skip_all "cannot configure the namespace"
nsx ip link set lo up
nsx ip link add "$S" type veth peer name "$R" && nsx ip link set "$S" mtu 9000 up &&
    nsx ip link set "$R" mtu 9000 up || skip_all "cannot create a veth pair in the namespace"
san_clean() { ! grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$1"; }

MADDR=127.0.0.1:9711 PADDR=127.0.0.1:9090
# http METHOD URL: prints "STATUS CONTENT-TYPE" then the body (inside the namespace)
http() {
    nsx python3 - "$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[2], method=sys.argv[1], data=b"x" if sys.argv[1] == "POST" else None)
try:
    r = urllib.request.urlopen(req, timeout=5)
    code, ctype, body = r.status, r.headers.get("Content-Type"), r.read()
except urllib.error.HTTPError as e:
    code, ctype, body = e.code, e.headers.get("Content-Type"), e.read()
except Exception as e:
    code, ctype, body = 0, "", str(e).encode()
print(code, ctype)
sys.stdout.write(body.decode(errors="replace"))
PY
}
# prom QUERY: the value of a PromQL instant query (one series, or a sum), "none" when empty
prom() {
    nsx python3 - "$PADDR" "$1" <<'PY'
import sys, json, urllib.request, urllib.parse
u = "http://%s/api/v1/query?%s" % (sys.argv[1], urllib.parse.urlencode({"query": sys.argv[2]}))
try:
    r = json.load(urllib.request.urlopen(u, timeout=5))
    res = r["data"]["result"]
    print(res[0]["value"][1] if res else "none")
except Exception as e:
    print("error:", e)
PY
}

RULES=()
for f in rules/*.rules; do RULES+=(-S "$f"); done
# 1. the sensor
ip netns exec "$NS" "$T" -i "$S" -w 2 -o "$TMP/ev.json" --set sensor-id=test "${RULES[@]}" \
    --set detect.cache-dir= --set stats.interval=0 --set "metrics.listen=$MADDR" 2>"$TMP/err" &
SPID=$!
for _ in $(seq 200); do
    grep -q "capturing on" "$TMP/err" && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.05
done
if ! grep -q "capturing on" "$TMP/err"; then bad "sensor did not start: $(head -3 "$TMP/err")"; finish; fi
expect "says where the metrics are" grep -q "metrics: http://$MADDR/metrics" "$TMP/err"

# 2. the endpoint itself
http GET "http://$MADDR/metrics" >"$TMP/m0"
expect "GET /metrics: 200, text format 0.0.4 ($(head -1 "$TMP/m0"))" \
    grep -q "^200 text/plain; version=0.0.4" "$TMP/m0"
expect "GET /metrics: counters named taishi_..._total with HELP and TYPE" \
    grep -q "^# TYPE taishi_capture_packets_total counter" "$TMP/m0"
expect "GET /metrics: per interface" grep -q "^taishi_capture_packets_total{interface=\"$S\"} 0" "$TMP/m0"
for req in "GET /" "POST /metrics" "HEAD /metrics" "GET /metrics/x" "GET /metricsx"; do
    http ${req% *} "http://$MADDR${req#* }" >"$TMP/m1"
    expect "$req: 404 ($(head -1 "$TMP/m1"))" grep -q "^404" "$TMP/m1"
done
# slow clients: connections that never send a request, held while traffic flows
nsx python3 -c 'import socket, sys, time
s = [socket.create_connection(("127.0.0.1", 9711)) for _ in range(20)]
print("open", flush=True)
time.sleep(float(sys.argv[1]))' 60 >"$TMP/hold" 2>&1 &
HOLD=$!
for _ in $(seq 100); do grep -q open "$TMP/hold" && break; sleep 0.05; done
expect "20 idle connections open" grep -q open "$TMP/hold"

# 3. Prometheus, scraping every second
mkdir -p "$TMP/prom"
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: taishi
    static_configs:
      - targets: ['$MADDR']
EOF
ip netns exec "$NS" "$PROM" --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom" \
    --web.listen-address="$PADDR" --log.level=warn >"$TMP/prom.log" 2>&1 &
PPID_PROM=$!
ready=0
for _ in $(seq 300); do                     # at most 30 s
    if http GET "http://$PADDR/-/ready" 2>/dev/null | grep -q "^200"; then ready=1; break; fi
    kill -0 "$PPID_PROM" 2>/dev/null || break
    sleep 0.1
done
if [ $ready = 0 ]; then bad "prometheus did not get ready: $(tail -3 "$TMP/prom.log")"; finish; fi

sent=0
for p in pcaps/rules-http.pcap pcaps/enrich.pcap; do
    nsx tcpreplay -i "$R" --mbps 20 "$p" >"$TMP/replay" 2>&1
    n=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$TMP/replay")
    sent=$((sent + ${n:-0}))
done
expect "tcpreplay sent frames ($sent)" [ "$sent" -gt 100 ]
http GET "http://$MADDR/metrics" >"$TMP/m2"
expect "with 20 idle clients: /metrics still answers" grep -q "^200" "$TMP/m2"
# Prometheus has scraped every frame (bounded: 30 s), then two more scrapes
seen=none
for _ in $(seq 60); do
    seen=$(prom 'sum(taishi_capture_packets_total)')
    [ "$seen" = "$sent" ] && break
    sleep 0.5
done
expect "prometheus scraped all $sent frames (last value: $seen)" [ "$seen" = "$sent" ]
sleep 2.5
QUERIES=(
    'capture.packets|sum(taishi_capture_packets_total)'
    'capture.bytes|sum(taishi_capture_bytes_total)'
    'capture.kernel_drops|sum(taishi_capture_kernel_drops_total)'
    'decoder.ipv4|taishi_decoder_packets_total{layer="ipv4"}'
    'decoder.tcp|taishi_decoder_packets_total{layer="tcp"}'
    'decoder.udp|taishi_decoder_packets_total{layer="udp"}'
    'flow.created|taishi_flows_created_total'
    'dpi.packets|taishi_dpi_packets_total'
    'alerts.severity_1|taishi_alerts_total{severity="1"}'
    'alerts.severity_2|taishi_alerts_total{severity="2"}'
    'alerts.severity_3|taishi_alerts_total{severity="3"}'
    'events.alert|taishi_events_total{type="alert"}'
    'detect.alerts|sum(taishi_alerts_total)'
    'rules.rules|taishi_rules_loaded'
)
: >"$TMP/scraped"
for q in "${QUERIES[@]}"; do
    echo "${q%%|*} $(prom "${q#*|}")" >>"$TMP/scraped"
done
kill "$HOLD" 2>/dev/null; wait "$HOLD" 2>/dev/null; HOLD=""
kill -TERM "$SPID"
for _ in $(seq 300); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SPID" 2>/dev/null; then bad "sensor did not stop within 30 s of SIGTERM"; finish; fi
wait "$SPID"; src=$?; SPID=""
kill "$PPID_PROM" 2>/dev/null; wait "$PPID_PROM" 2>/dev/null; PPID_PROM=""
expect "sensor: exit 0 on SIGTERM ($src)" [ "$src" -eq 0 ]
expect "sensor: no sanitizer report" san_clean "$TMP/err"
if python3 - "$TMP/ev.json" "$TMP/scraped" "$sent" >"$TMP/cmp" 2>&1 <<'PY'
import json, sys
st = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"stats"' in l][-1]["stats"]
bad = 0
assert st["capture"]["packets"] == int(sys.argv[3]), ("final stats", st["capture"]["packets"], "sent", sys.argv[3])
assert st["alerts"]["severity_3"] > 0 and st["rules"]["rules"] > 0, "the run has alerts and rules"
for line in open(sys.argv[2]):
    key, got = line.split(None, 1)
    got = got.strip()
    o = st
    for k in key.split("."):
        o = o[k]
    if key == "detect.alerts":
        o = sum(st["alerts"].values())
    try:
        same = float(got) == float(o)
    except ValueError:
        same = False
    print("%-22s prometheus %-10s stats %s%s" % (key, got, o, "" if same else "   <-- differs"))
    bad += not same
sys.exit(1 if bad else 0)
PY
then ok; cat "$TMP/cmp"; else bad "counters scraped by Prometheus differ from the final stats event:"; cat "$TMP/cmp"; fi
finish
