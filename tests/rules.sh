#!/bin/bash
# rules.sh BUILD_DIR - the rule engine end to end, on one build:
#   - pcaps/rules-*.pcap with rules/*.rules give exactly Suricata 7.0.10's
#     alerts (tests/golden/rules/*.suricata.tsv): with 1 worker by sid and
#     direction-aware 5-tuple; with 2 workers by the count per sid (which
#     flow a "limit 1" threshold lets through depends on which worker gets
#     there first, as with any multi-threaded engine);
#   - --check-rules: the project's rules load whole; a file with broken and
#     unsupported rules names each one file:line: sid N and loads the rest;
#     binary junk is a list of errors, not a crash; exit 1 on errors;
#   - the Hyperscan cache: a second start loads the databases from disk;
#   - SIGHUP swaps in a changed rule file, and a broken one keeps the old.
# Prints "N passed, M failed" (run.sh adds them up).
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
T=$B/taishi
pass=0 fail=0
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL [rules $B]: $*"; }
expect() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
san_clean() { ! grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$1"; }
RULES=()
for f in rules/*.rules; do RULES+=(-S "$f"); done
CACHE="$TMP/cache"
# Suricata's reference runs with tests/data/suricata.yaml, which turns
# stream.midstream and stream.async-oneside on: so does taishi here.
PARITY=(--set stream.midstream=true --set stream.async-oneside=true)

for w in 1 2; do
    for p in pcaps/rules-*.pcap; do
        n=$(basename "$p")
        rm -f "$TMP/ev.json"
        "$T" -r "$p" -w "$w" "${RULES[@]}" --set "detect.cache-dir=$CACHE" "${PARITY[@]}" \
            --events alert -o "$TMP/ev.json" 2>"$TMP/err"
        rc=$?
        san_clean "$TMP/err" || bad "sanitizer report on $n: $(head -5 "$TMP/err")"
        python3 tests/tools/alerts_tsv.py "$TMP/ev.json" >"$TMP/ours.tsv"
        key=tuple; [ "$w" -gt 1 ] && key=sid
        if [ "$rc" -eq 0 ] && tests/tools/compare_alerts.py -q --key $key "tests/golden/rules/$n.suricata.tsv" \
               "$TMP/ours.tsv" >"$TMP/cmp" 2>&1; then
            ok
        else
            bad "$n -w $w: alerts differ from Suricata's (exit $rc)"; head -12 "$TMP/cmp"
        fi
    done
done

# alert events carry what an analyst joins on
rm -f "$TMP/ev.json"
"$T" -r pcaps/rules-http.pcap -w 1 "${RULES[@]}" --set "detect.cache-dir=$CACHE" -o "$TMP/ev.json" 2>/dev/null
expect "alert events: EVE fields, flow_id joins a flow event" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
alerts = [e for e in ev if e["event_type"] == "alert"]
flows = {e["flow_id"] for e in ev if e["event_type"] == "flow"}
assert alerts
for a in alerts:
    al = a["alert"]
    for k in ("action", "gid", "signature_id", "rev", "signature", "category", "severity"):
        assert k in al, k
    assert a["flow_id"] in flows and a["community_id"].startswith("1:")
    assert "flow" in a and "pkts_toserver" in a["flow"]
    assert al["signature"].startswith("TAISHI ")
    assert a["ruleset"] == {"sha256": sys.argv[2], "rules": int(sys.argv[3])}, a["ruleset"]
assert any("payload_printable" in a for a in alerts)
assert any(e["event_type"] == "http" for e in ev)' "$TMP/ev.json" "$(cat rules/*.rules | sha256sum | cut -d' ' -f1)" \
    "$(grep -chE '^(alert|drop|reject|pass)' rules/*.rules | paste -sd+ | bc)"

# --check-rules: the project's own rules all load.
"$T" --check-rules "${RULES[@]}" --set "detect.cache-dir=$CACHE" >"$TMP/chk" 2>&1
rc=$?
expect "--check-rules rules/: all load, exit 0" [ "$rc" -eq 0 ] && grep -qE "^rules: [0-9]+ loaded, 0 skipped \(unsupported\), 0 failed$" "$TMP/chk"
san_clean "$TMP/chk" || bad "sanitizer report in --check-rules"

# Broken and unsupported rules: each named, the good ones load.
cat >"$TMP/mixed.rules" <<'R'
alert tcp any any -> any 80 (msg:"good one"; content:"abc"; sid:1; rev:1;)
alert tcp any any -> any 80 (msg:"bad content"; content:"|4"; sid:2; rev:1;)
alert tcp any any -> any 80 (msg:"unsupported"; content:"x"; xbits:set,a,track ip_src; sid:3; rev:1;)
alert tcp any any -> any 80 (msg:"bad pcre"; pcre:"/(/"; sid:4; rev:1;)
# alert tcp any any -> any any (msg:"disabled"; sid:5;)
alert tcp any any -> any 80 (msg:"good two"; content:"def"; sid:6; rev:1;)
alert tcp any any -> any 80 (msg:"no sid"; content:"x";)
R
"$T" --check-rules -S "$TMP/mixed.rules" --set detect.cache-dir= >"$TMP/chk" 2>&1
rc=$?
expect "--check-rules with errors: exit 1" [ "$rc" -eq 1 ]
expect "--check-rules: summary line" grep -qx "rules: 2 loaded, 1 skipped (unsupported), 3 failed" "$TMP/chk"
expect "--check-rules: file:line: sid N: reason" grep -q "mixed.rules:2: sid 2: error" "$TMP/chk"
expect "--check-rules: unsupported keyword named" grep -q "mixed.rules:3: sid 3: unsupported: .*xbits" "$TMP/chk"
expect "--check-rules: pcre error named" grep -q "mixed.rules:4: sid 4: error: .*pcre" "$TMP/chk"
expect "--check-rules: compile time and size reported" grep -q "^parse: .* s; compile: .* s.*MiB$" "$TMP/chk"
# The sensor runs with the good rules of a mixed file and says which were left out.
"$T" -r pcaps/demo.pcap -S "$TMP/mixed.rules" --set detect.cache-dir= -o /dev/null 2>"$TMP/err"
expect "a mixed rule file: the sensor starts, warns file:line" [ $? -eq 0 ] && grep -q "mixed.rules:2: sid 2" "$TMP/err"

# Binary junk: errors, no crash, exit 1.
head -c 20000 /dev/urandom >"$TMP/junk.rules"
"$T" --check-rules -S "$TMP/junk.rules" --set detect.cache-dir= >"$TMP/chk" 2>&1
rc=$?
expect "--check-rules on binary junk: exit 1, summary" [ "$rc" -eq 1 ] && grep -q "^rules: 0 loaded" "$TMP/chk"
san_clean "$TMP/chk" || bad "sanitizer report on junk rules"

# The cache: the first start compiled and saved, the next one loads.
rm -rf "$TMP/c2"
"$T" --check-rules "${RULES[@]}" --set "detect.cache-dir=$TMP/c2" >"$TMP/chk1" 2>&1
"$T" --check-rules "${RULES[@]}" --set "detect.cache-dir=$TMP/c2" >"$TMP/chk2" 2>&1
expect "cache: compiled, then loaded" [ -n "$(ls "$TMP/c2")" ] && ! grep -q "from the cache" "$TMP/chk1" && grep -q "from the cache" "$TMP/chk2"
# A damaged cache file is ignored (compiled again), never trusted.
for f in "$TMP"/c2/*; do head -c 100 "$f" >"$f.x"; mv "$f.x" "$f"; done
"$T" --check-rules "${RULES[@]}" --set "detect.cache-dir=$TMP/c2" >"$TMP/chk3" 2>&1
expect "cache: a damaged file is rebuilt" [ $? -eq 0 ] && ! grep -q "from the cache" "$TMP/chk3"

# SIGHUP: a changed rule file is swapped in; a broken one keeps the old rules.
printf 'alert tcp any any -> any any (msg:"first"; content:"PASS"; sid:7001; rev:1;)\n' >"$TMP/hup.rules"
sha1st=$(sha256sum <"$TMP/hup.rules" | cut -d' ' -f1)
mkfifo "$TMP/fifo"
"$T" -r - -w 2 -S "$TMP/hup.rules" --set detect.cache-dir= --events alert,stats -o "$TMP/hup.json" \
    <"$TMP/fifo" 2>"$TMP/hup.err" &
tp=$!
exec 7>"$TMP/fifo"
cat pcaps/rules-mail.pcap >&7
sleep 0.5
printf 'alert tcp any any -> any any (msg:"second"; content:"PASS"; sid:7002; rev:1;)\n' >"$TMP/hup.rules"
sha2nd=$(sha256sum <"$TMP/hup.rules" | cut -d' ' -f1)
kill -HUP $tp
# the pipe is idle: the reader waits in poll(), which the signal ends (a
# plain read() sat there until the next packet came)
for _ in $(seq 50); do grep -q "reloaded" "$TMP/hup.err" && break; sleep 0.1; done
expect "SIGHUP on an idle stdin pipe: reloaded before the next packet" grep -q "reloaded" "$TMP/hup.err"
tail -c +25 pcaps/rules-mail.pcap >&7          # the same records again, no file header
sleep 0.3
printf 'alert tcp any any -> any any (msg:"broken"; content:"|zz|"; sid:7003; rev:1;)\nthis is not a rule\n' >"$TMP/hup.rules"
sha3rd=$(sha256sum <"$TMP/hup.rules" | cut -d' ' -f1)
kill -HUP $tp; sleep 0.5
exec 7>&-
wait $tp
rc=$?
n1=$(grep -c '"signature_id":7001' "$TMP/hup.json"); n2=$(grep -c '"signature_id":7002' "$TMP/hup.json")
expect "SIGHUP: old rules before, new rules after ($n1, $n2)" [ "$rc" -eq 0 ] && [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ]
expect "SIGHUP: reloaded logged" grep -q "reloaded" "$TMP/hup.err"
expect "SIGHUP: each alert names the ruleset that raised it (sha256 of the file, 1 rule)" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    if a["event_type"] == "stats":
        # what is loaded at the end: the last file (its rules all fail to parse, so 0 rules)
        assert a["stats"]["rules"]["sha256"] == sys.argv[4], a["stats"]["rules"]
        assert a["stats"]["rules"]["reloads"] == 2 and a["stats"]["rules"]["rules"] == 0, a["stats"]["rules"]
        continue
    want = {7001: sys.argv[2], 7002: sys.argv[3]}[a["alert"]["signature_id"]]
    assert a["ruleset"] == {"sha256": want, "rules": 1}, (a["alert"]["signature_id"], a["ruleset"])' \
    "$TMP/hup.json" "$sha1st" "$sha2nd" "$sha3rd"
san_clean "$TMP/hup.err" || bad "sanitizer report on reload"

# An idle stdin pipe (tcpdump -w - | taishi -r -): what was read reaches the
# workers, and their events the file (flushed once a second), while the pipe
# stays open with nothing more to read.
printf 'alert tcp any any -> any any (msg:"syn"; flags:S; sid:7101; rev:1;)\n' >"$TMP/idle.rules"
mkfifo "$TMP/idle.fifo"
"$T" -r - -w 2 -S "$TMP/idle.rules" --set detect.cache-dir= --events alert -o "$TMP/idle.json" \
    <"$TMP/idle.fifo" 2>"$TMP/idle.err" &
ip=$!
exec 8>"$TMP/idle.fifo"
cat pcaps/rules-mail.pcap >&8
for _ in $(seq 50); do grep -q '"signature_id":7101' "$TMP/idle.json" 2>/dev/null && break; sleep 0.1; done
n_idle=$(grep -c '"signature_id":7101' "$TMP/idle.json" 2>/dev/null)
exec 8>&-
wait $ip
n_end=$(grep -c '"signature_id":7101' "$TMP/idle.json")
expect "idle stdin pipe: alerts in the file before the pipe closes ($n_idle of $n_end)" \
    [ "${n_idle:-0}" -ge 1 ] && [ "$n_end" -ge "${n_idle:-0}" ]
san_clean "$TMP/idle.err" || bad "sanitizer report on an idle pipe"

# A reload that fails (the rule file is gone): the old rules stay, the stats event counts it.
cp rules/taishi-web.rules "$TMP/gone.rules"
python3 tests/tools/slow_pcap.py pcaps/rules-http.pcap 2 |
    "$T" -r - -w 1 -S "$TMP/gone.rules" --set detect.cache-dir= --events alert,stats -o "$TMP/gone.json" 2>"$TMP/gone.err" &
gp=$!
# once the rules are loaded (a loaded machine can take longer than the capture's pacing)
for _ in $(seq 100); do grep -q 'rules: ' "$TMP/gone.err" 2>/dev/null && break; sleep 0.1; done
sleep 0.2; rm -f "$TMP/gone.rules"; kill -HUP $gp
wait $gp; grc=$?
expect "a failed reload: exit 0, logged, counted; the alerts and stats name the old ruleset" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
st = [e for e in ev if e["event_type"] == "stats"][-1]["stats"]["rules"]
assert st["reload_failures"] == 1 and st["reloads"] == 0 and st["sha256"] == sys.argv[2], st
assert all(e["ruleset"]["sha256"] == sys.argv[2] for e in ev if e["event_type"] == "alert")' \
    "$TMP/gone.json" "$(sha256sum <rules/taishi-web.rules | cut -d' ' -f1)" &&
    [ $grc -eq 0 ] && grep -q "reload failed" "$TMP/gone.err"
san_clean "$TMP/gone.err" || bad "sanitizer report on a failed reload"

# A hostile payload against backtracking-prone PCREs (issue 19): 200
# segments of 1,400 'a's. Each pcre run stops at pcre.match-limit (Suricata's
# 3500 steps) and counts as no match, as in Suricata (no alert there either);
# the stops are counted; a content that occurs at every offset does not
# re-run an absolute pcre once per occurrence.
python3 - "$TMP/aaaa.pcap" <<'PY'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, 'tests/tools')
import gen_pcaps as g
s = g.tcp_session('10.0.0.1', '10.0.0.2', 40000, 80, [(0, b'a' * 1400)] * 200)
open(sys.argv[1], 'wb').write(g.pcap_bytes(g.frames(g.sched(s, g.T(0), 1000), g.link_eth)))
PY
printf '%s\n' 'alert tcp any any -> any any (msg:"redos 1"; content:"aaaa"; pcre:"/(a+)+b/"; sid:1;)' \
    'alert tcp any any -> any any (msg:"redos 2"; pcre:"/^(a|aa)+$/"; sid:2;)' >"$TMP/redos.rules"
"$T" -r "$TMP/aaaa.pcap" -S "$TMP/redos.rules" --set detect.cache-dir= --events alert,stats \
    -o "$TMP/redos.json" 2>"$TMP/redos.err"
expect "hostile PCREs: stopped at pcre.match-limit, counted, no alert" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert not [e for e in ev if e["event_type"] == "alert"]
d = [e for e in ev if e["event_type"] == "stats"][-1]["stats"]["detect"]
assert d["pcre_limit"] >= 200, d' "$TMP/redos.json"
san_clean "$TMP/redos.err" || bad "sanitizer report on the hostile PCREs"

# A lone SYN waits for its flow's second packet while nothing reads a
# verdict after the flow's end (--events alert: src/dpi/dpi.c dpi_set_lazy):
# the alerts must be those of a run where flow events read every verdict,
# field for field (app_proto and ndpi.hostname are nDPI's), the session
# classified from its held SYN on, the lone SYN still alerting.
python3 - "$TMP/lone.pcap" <<'PY'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, 'tests/tools')
import gen_pcaps as g
lone = [(0, g.ipv4('10.0.0.9', '10.0.0.2', 6, g.tcp('10.0.0.9', '10.0.0.2', 40100, 80, 7, 0, g.SYN)))]
s = g.tcp_session('10.0.0.1', '10.0.0.2', 40000, 80, [(0, g.http_get()), (1, b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')])
recs = g.frames(g.sched(lone, g.T(0), 1000), g.link_eth) + g.frames(g.sched(s, g.T(1), 1000), g.link_eth)
open(sys.argv[1], 'wb').write(g.pcap_bytes(recs))
PY
printf '%s\n' 'alert tcp any any -> any 80 (msg:"syn"; flags:S; sid:1;)' \
    'alert tcp any any -> any any (msg:"get"; flow:to_server; content:"GET"; sid:2;)' >"$TMP/lone.rules"
for ev in alert alert,flow; do
    rm -f "$TMP/lone-$ev.json"
    "$T" -r "$TMP/lone.pcap" -w 1 -S "$TMP/lone.rules" --set detect.cache-dir= --no-summary --events $ev \
        -o "$TMP/lone-$ev.json" 2>"$TMP/lone.err"
    san_clean "$TMP/lone.err" || bad "sanitizer report on lone SYNs: $(head -5 "$TMP/lone.err")"
done
expect "a held lone SYN: the same alerts with and without flow events, nDPI's fields included" python3 -c '
import json, sys
a = [l for l in open(sys.argv[1]) if "\"event_type\":\"alert\"" in l]
b = [l for l in open(sys.argv[2]) if "\"event_type\":\"alert\"" in l]
assert a == b, (a, b)
ev = [json.loads(l) for l in a]
sids = sorted(e["alert"]["signature_id"] for e in ev)
assert sids == [1, 1, 2], sids
get = [e for e in ev if e["alert"]["signature_id"] == 2][0]
assert get["app_proto"] == "http", get["app_proto"]' "$TMP/lone-alert.json" "$TMP/lone-alert,flow.json"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
