#!/bin/bash
# run.sh BUILD_DIR... - the whole test suite, once per build directory:
#   1. unit tests (BUILD/tests/test_*) and the built-in self-tests;
#   2. pcap regression: every capture in pcaps/ against its golden output in
#      tests/golden/ (-w 1, byte for byte), the same events with -w 2 (order
#      aside), and the reasoned checks of tests/pcap_checks.py;
#   3. command-line behaviour: bad input gives a clear error and exit 1;
#   ... 6b. the rule engine (tests/rules.sh) on every build;
#   6c. the differential harness against Suricata's answers (tests/parity.sh);
#   7. Suricata 7.0.10's alerts on pcaps/rules-*.pcap (the reference);
#   ... 10. Prometheus scraping /metrics of a live sensor (tests/metrics.sh).
# Sanitizer builds (ASan+UBSan) must also print no sanitizer report.
# UPDATE=1 rewrites the golden files from the first build (review the diff).
# Ends with "N passed, M failed"; exit status 1 when anything failed.
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
pass=0 fail=0
T=""; TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL [$B]: $*"; }
expect() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
san_clean() { ! grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$1"; }
# taishi ARGS... : runs the sensor, stdout to $TMP/out, stderr to $TMP/err, status in $rc
taishi() { "$T" "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; san_clean "$TMP/err" || bad "sanitizer report: $* $(head -5 "$TMP/err")"; }
json_ok() { python3 -c 'import json,sys
for n, l in enumerate(open(sys.argv[1]), 1):
    e = json.loads(l)
    assert isinstance(e, dict) and "event_type" in e and "timestamp" in e, n' "$1" 2>/dev/null; }
# Events that must be identical whatever the number of workers: all but
# stats (peaks are per worker) and assets (which flow announces a server
# first depends on which worker ends its flow first; the set of servers is
# compared on its own).
absent_summary() { ! grep -q "taishi run summary" "$1"; }
no_stats() { grep -v '"event_type":"stats"\|"event_type":"asset"' "$1" | sort; }
asset_set() { grep '"event_type":"asset"' "$1" | sed -e 's/.*"asset":{"role":"host","ip":"\([^"]*\)".*/host \1/' \
    -e 's/.*"asset":{"ip":"\([^"]*\)","port":\([0-9]*\),"proto":"\([^"]*\)".*/\1 \2 \3/' | sort; }

first=1
for B in "$@"; do
    T=$B/taishi
    [ -x "$T" ] || { bad "no binary $T"; continue; }

    # 1. unit tests and self-tests
    for u in "$B"/tests/test_*; do
        [ -x "$u" ] || continue
        "$u" >"$TMP/unit" 2>&1; urc=$?
        line=$(tail -1 "$TMP/unit")
        p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$line")
        f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$line")
        pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
        if [ "$urc" -ne 0 ] || [ -z "$p" ] || ! san_clean "$TMP/unit"; then
            bad "unit $(basename "$u") (exit $urc)"; grep -E "FAIL|runtime error|Sanitizer" "$TMP/unit" | head -20
        fi
    done
    taishi --selftest
    expect "--selftest" [ "$rc" -eq 0 ]

    # 2. pcap regression
    mkdir -p "$TMP/ev"
    for p in pcaps/*.pcap pcaps/*.pcapng; do
        n=$(basename "$p"); g=tests/golden/$n.json
        case $n in corrupt-*) continue ;; esac
        taishi -r "$p" -w 1 --set sensor-id=test
        cp "$TMP/out" "$TMP/ev/$n.json"
        expect "$n: exit 0" [ "$rc" -eq 0 ]
        expect "$n: valid JSON lines" json_ok "$TMP/out"
        if [ "${UPDATE:-0}" = 1 ] && [ $first = 1 ]; then cp "$TMP/out" "$g"; fi
        if cmp -s "$TMP/out" "$g"; then ok; else bad "$n: differs from $g"; diff "$g" "$TMP/out" | head -6; fi
        taishi -r "$p" -w 2 --set sensor-id=test
        cp "$TMP/out" "$TMP/w2"
        # ftp_data: a data connection on another worker than its control
        # connection is linked only if that worker parsed the RETR/STOR first
        # (README, FTP): with -w 2 its ftp_data event and its file's fileinfo
        # event are a subset of -w 1's, the rest identical. A linked file's fileinfo
        # event is known by its ftp_data object: its app_proto is nDPI's verdict,
        # "failed" for a passive-mode data connection (README, FTP)
        ftpd='"event_type":"ftp_data"\|"event_type":"fileinfo".*"ftp_data":{'
        if [ "$(no_stats "$TMP/w2" | grep -v "$ftpd")" = "$(no_stats "$g" | grep -v "$ftpd")" ]; then ok; else bad "$n: -w 2 events differ from -w 1"; fi
        if [ -z "$(comm -23 <(no_stats "$TMP/w2" | grep "$ftpd") <(no_stats "$g" | grep "$ftpd"))" ]; then ok; else bad "$n: -w 2 ftp_data events not among -w 1's"; fi
        if [ "$(asset_set "$TMP/w2")" = "$(asset_set "$g")" ]; then ok; else bad "$n: -w 2 announces other servers than -w 1"; fi
    done
    # rules on the SMTP and FTP parsers' transactions and files: Suricata 7.0.10's 7 alerts
    taishi -r pcaps/mail-smtp.pcap -r pcaps/mail-ftp.pcap -w 1 -S tests/data/mail.rules --events alert
    expect "mail.rules: Suricata's alerts" [ "$(grep -o '"signature_id":[0-9]*' "$TMP/out" | sort | tr -d '\n')" = \
        '"signature_id":9000001"signature_id":9000002"signature_id":9000003"signature_id":9000004"signature_id":9000004"signature_id":9000004"signature_id":9000005' ]
    # the same capture with the project's test GeoIP databases, asset map and HOME_NET
    taishi -r pcaps/enrich.pcap -w 1 --set enrich.geoip.city=tests/data/taishi-test-city.mmdb \
        --set enrich.geoip.asn=tests/data/taishi-test-asn.mmdb --set enrich.assets=tests/data/assets.csv \
        --set 'vars.HOME_NET=[10.0.0.0/8, 2001:db8:1::/48]'
    cp "$TMP/out" "$TMP/ev/enrich-geo.json"
    taishi -r pcaps/enrich.pcap -w 1 --set enrich.geoip.city=tests/data/taishi-test-city.mmdb \
        --set policy.cross-border.min-bytes=500
    cp "$TMP/out" "$TMP/ev/enrich-minbytes.json"
    taishi -r pcaps/demo.pcap -r pcaps/enrich.pcap -w 2 --set 'intel.files=[tests/data/intel.csv, tests/data/intel.txt]'
    cp "$TMP/out" "$TMP/ev/intel.json"
    # files against Suricata 7.0.10's on the same captures (tests/golden/files/,
    # tests/tools/make_files_golden.sh): names, sizes, states, gaps, hashes, magic
    for g in tests/golden/files/*.suricata.tsv; do
        n=$(basename "$g" .suricata.tsv)
        case $n in *.rules) continue ;; esac        # the file rules' alerts: below
        taishi -r "pcaps/$n" -w 1 --set 'files.hash=[md5, sha1, sha256]' --set files.magic=yes
        python3 tests/tools/files_tsv.py "$TMP/out" >"$TMP/files.tsv"
        if cmp -s "$TMP/files.tsv" "$g"; then ok; else bad "$n: files differ from Suricata's ($g)"; diff "$g" "$TMP/files.tsv" | head -6; fi
    done
    # the file keywords (tests/data/file-rules/files.rules) against Suricata's alerts,
    # plus the differences explained in tests/golden/files/files-http.pcap.rules.known.tsv
    taishi -r pcaps/files-http.pcap -w 1 -S tests/data/file-rules/files.rules --events alert
    python3 tests/tools/alerts_tsv.py "$TMP/out" | cut -f1-5 | sort >"$TMP/fr.tsv"
    g=tests/golden/files/files-http.pcap.rules
    if [ "$(cat "$TMP/fr.tsv")" = "$( (cat "$g.suricata.tsv"; grep -v '^#' "$g.known.tsv") | sort)" ]; then ok
    else bad "file rules: alerts differ from Suricata's + known"; diff "$g.suricata.tsv" "$TMP/fr.tsv" | head -8; fi
    # the file store: every file without a hole, named by its SHA-256, no temporary left
    rm -rf "$TMP/store"
    taishi -r pcaps/files-http.pcap -w 2 --set "files.store.dir=$TMP/store" --events fileinfo
    expect "files.store.dir: 12 files stored" [ "$(ls "$TMP/store" | wc -l)" = 12 ]
    expect "files.store.dir: no temporary file left" [ "$(ls -A "$TMP/store" | grep -c '^\.tmp')" = 0 ]
    for f in "$TMP"/store/*; do [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || bad "store: $f is not named by its SHA-256"; done
    # file-hash indicators (tests/data/intel-files.csv): report.pdf by SHA-256 and setup.exe
    # by MD5 alert, with alerts only asked for; big.bin (a hole in it) does not
    taishi -r pcaps/files-http.pcap -w 1 --set 'intel.files=[tests/data/intel-files.csv]' \
        --set 'files.hash=[md5, sha256]' --events alert
    expect "file-hash indicators: 2 alerts" [ "$(grep -c '"matched":\["fileinfo\.' "$TMP/out")" = 2 ]
    expect "file-hash indicators: sha256 and md5" [ "$(grep -o '"matched":\["fileinfo\.[a-z0-9]*' "$TMP/out" | sort | tr '\n' ' ')" = '"matched":["fileinfo.md5 "matched":["fileinfo.sha256 ' ]
    if python3 tests/pcap_checks.py "$TMP/ev" >"$TMP/checks"; then ok; else bad "pcap checks"; grep FAIL "$TMP/checks"; fi
    c=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$TMP/checks")
    pass=$((pass + ${c%% *})); fail=$((fail + ${c##* }))

    # app-layer rules (tests/data/app-rules/NAME.rules on pcaps/app-NAME.pcap):
    # the alerts per sid Suricata 7.0.10 gives, written in the file's "expect" line
    for r in tests/data/app-rules/*.rules; do
        n=$(basename "$r" .rules)
        taishi -r "pcaps/app-$n.pcap" -S "$r" -w 1 --events alert --set detect.cache-dir=
        got=$(python3 -c 'import json, sys, collections
c = collections.Counter(json.loads(l)["alert"]["signature_id"] for l in open(sys.argv[1]))
print(" ".join("%d:%d" % kv for kv in sorted(c.items())))' "$TMP/out")
        want=$(sed -n 's/^# expect: //p' "$r")
        expect "app rules $n: alerts per sid $got (Suricata: $want)" [ "$got" = "$want" ]
    done
    # 2b. the parsers of issue 16 against Suricata 7.0.10's events and alerts
    if tests/app1_check.sh "$T" >"$TMP/app1" 2>&1; then ok; else bad "app1_check (issue 16 parsers vs Suricata)"; cat "$TMP/app1"; fi
    if tests/intkw.sh "$T" >"$TMP/intkw" 2>&1; then ok; else bad "intkw (integer/flag keywords vs Suricata)"; cat "$TMP/intkw"; fi
    # 2c. the parsers' weaknesses (risk names per capture, risk.app) and asset facts
    if tests/app_risks_check.sh "$T" >"$TMP/apprisk" 2>&1; then ok; else bad "app_risks_check (parser risks and assets)"; cat "$TMP/apprisk"; fi

    # 3. command line and bad input
    taishi -r pcaps/no-such.pcap
    expect "missing file: exit 1" [ "$rc" -eq 1 ]
    expect "missing file: names it" grep -q "no-such.pcap.*No such file" "$TMP/err"
    expect "missing file: no events" [ ! -s "$TMP/out" ]
    taishi -r pcaps/corrupt-magic.pcap
    expect "bad magic: exit 1, clear error" [ "$rc" -eq 1 ] && grep -q "corrupt-magic.pcap" "$TMP/err"
    expect "bad magic: no events" [ ! -s "$TMP/out" ]
    taishi -r pcaps/demo.pcap -r pcaps/corrupt-magic.pcap
    expect "bad second file: refused before any event" [ "$rc" -eq 1 ] && [ ! -s "$TMP/out" ]
    taishi -r pcaps/corrupt-truncated.pcap -w 1
    expect "truncated file: exit 1" [ "$rc" -eq 1 ]
    expect "truncated file: says where" grep -q "corrupt after 30 packets" "$TMP/err"
    expect "truncated file: events for what was read" grep -q '"read_errors":1' "$TMP/out"
    expect "truncated file: flows before the cut" [ "$(grep -c '"event_type":"flow"' "$TMP/out")" -ge 5 ]
    # a start-up that fails part-way (the k-th thread cannot be created, some
    # workers already run): exit 2 with the reason, every started thread ended
    # and joined (no hang), nothing leaked (ASan's leak check)
    if [ ! -e "$TMP/fail_thread.so" ]; then
        cc -shared -fPIC -o "$TMP/fail_thread.so" tests/tools/fail_thread.c -ldl || bad "fail_thread.so: cannot build"
    fi
    for k in 1 2 3; do
        FAIL_THREAD_AT=$k LD_PRELOAD=$TMP/fail_thread.so ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 \
            timeout 60 "$T" -r pcaps/demo.pcap -w 3 >"$TMP/out" 2>"$TMP/err"; rc=$?
        san_clean "$TMP/err" || bad "thread $k of 3 fails: sanitizer report $(head -5 "$TMP/err")"
        expect "thread $k of 3 fails: exit 2" [ "$rc" -eq 2 ]
        expect "thread $k of 3 fails: says so" grep -q "cannot start worker threads" "$TMP/err"
    done
    taishi -r - -w 1 --set sensor-id=test <pcaps/demo.pcap
    expect "stdin: same events as the file" cmp -s "$TMP/out" tests/golden/demo.pcap.json
    taishi -r pcaps/encap-vlan.pcap -r pcaps/demo.pcap -w 1
    expect "two files: both read" grep -q '"files":2,"packets":76' "$TMP/out"
    taishi -r pcaps/demo.pcap --events flow
    expect "--events flow: only flows" [ "$(grep -vc '"event_type":"flow"' "$TMP/out")" -eq 0 ] && [ -s "$TMP/out" ]
    taishi -r pcaps/demo.pcap --events flows
    expect "--events bad: exit 1 naming the key" [ "$rc" -eq 1 ] && grep -q "outputs.events" "$TMP/err"
    taishi -r pcaps/demo.pcap --set flow.memcapp=1mb
    expect "unknown key: exit 1 naming it" [ "$rc" -eq 1 ] && grep -q "unknown key 'flow.memcapp'" "$TMP/err"
    taishi -r pcaps/demo.pcap --set flow.memcap=lots
    expect "bad value: exit 1 naming the key" [ "$rc" -eq 1 ] && grep -q "flow.memcap: bad value 'lots'" "$TMP/err"
    printf 'flow:\n  timeouts:\n    tcp:\n      establishd: 5\n' >"$TMP/bad.yaml"
    taishi -c "$TMP/bad.yaml" -r pcaps/demo.pcap
    expect "bad yaml key: file:line and dotted key" [ "$rc" -eq 1 ] && grep -q "bad.yaml:4: unknown key 'flow.timeouts.tcp.establishd'" "$TMP/err"
    printf 'a: &x [1]\nb: *x\n' >"$TMP/alias.yaml"
    taishi -c "$TMP/alias.yaml" -r pcaps/demo.pcap
    expect "yaml anchors refused" [ "$rc" -eq 1 ] && grep -q "not supported" "$TMP/err"
    taishi --dump-config
    cp "$TMP/out" "$TMP/dump.yaml"
    taishi -c "$TMP/dump.yaml" --dump-config
    expect "dump-config round trip" cmp -s "$TMP/out" "$TMP/dump.yaml"
    taishi -r pcaps/demo.pcap --set enrich.geoip.city=tests/data/no-such.mmdb
    expect "missing GeoIP database: refused, key named" [ "$rc" -eq 1 ] && grep -q "enrich.geoip.city: cannot open" "$TMP/err"
    taishi -r pcaps/demo.pcap --set enrich.geoip.asn=tests/data/assets.csv
    expect "corrupt GeoIP database: refused, key named" [ "$rc" -eq 1 ] && grep -q "enrich.geoip.asn: cannot open" "$TMP/err"
    printf '10.0.0.0/8,ok\n10.0.0.0/40,bad\n' >"$TMP/bad-assets.csv"
    taishi -r pcaps/demo.pcap --set "enrich.assets=$TMP/bad-assets.csv"
    expect "bad asset line: file:line" [ "$rc" -eq 1 ] && grep -q "bad-assets.csv:2:" "$TMP/err"
    printf 'ip,10.0.0.1\nip,10.0.0.0/99\n' >"$TMP/bad-intel.csv"
    taishi -r pcaps/demo.pcap --set "intel.files=[$TMP/bad-intel.csv]"
    expect "bad indicator: file:line, exit 1" [ "$rc" -eq 1 ] && grep -q "bad-intel.csv:2: '10.0.0.0/99' is not a valid ip indicator" "$TMP/err"
    taishi -r pcaps/demo.pcap --set "intel.files=[tests/data/no-such.txt]"
    expect "missing indicator file: exit 1, key named" [ "$rc" -eq 1 ] && grep -q "intel.files: cannot open" "$TMP/err"
    # SIGHUP: indicator lists reloaded mid-run; a broken list keeps the old set
    echo "ip,192.0.2.250" >"$TMP/hup.csv"
    python3 tests/tools/slow_pcap.py pcaps/demo.pcap 5 |
        "$T" -r - -w 2 --set "intel.files=[$TMP/hup.csv]" --events alert >"$TMP/hup.out" 2>"$TMP/hup.err" &
    hp=$!
    sleep 1
    echo "ip,203.0.113.30" >>"$TMP/hup.csv"; kill -HUP $hp; sleep 1
    echo "ip,300.1.1.1" >>"$TMP/hup.csv"; kill -HUP $hp
    wait $hp; hrc=$?
    expect "SIGHUP: reloaded, exit 0" [ $hrc -eq 0 ] && grep -q "reloaded: 2 indicators" "$TMP/hup.err"
    expect "SIGHUP: a broken list is refused, the old set stays" grep -q "reload failed, keeping what was loaded: .*hup.csv:3" "$TMP/hup.err"
    expect "SIGHUP: the new indicator alerts" grep -q '"dest_ip":"203.0.113.30".*"gid":9000' "$TMP/hup.out"
    san_clean "$TMP/hup.err" || bad "sanitizer report in the SIGHUP run: $(head -5 "$TMP/hup.err")"
    python3 tests/tools/slow_pcap.py pcaps/many-flows.pcap 3 | "$T" -r - -w 2 --set stats.interval=1 --events stats >"$TMP/st.out" 2>"$TMP/st.err"
    expect "periodic stats: one a second while running, growing, then the final one" python3 -c 'import json,sys
s=[json.loads(l)["stats"] for l in open(sys.argv[1])]
p=[x["capture"]["packets"] for x in s]
assert len(s) >= 3 and p == sorted(p) and p[0] < p[-1] == 2400 and s[-1]["flow"]["created"] == 2200, p' "$TMP/st.out"
    san_clean "$TMP/st.err" || bad "sanitizer report with periodic stats: $(head -5 "$TMP/st.err")"
    rm -f "$TMP/assets.state"
    taishi -r pcaps/demo.pcap --set "asset.state-file=$TMP/assets.state" --events asset
    n1=$(grep -c '"asset"' "$TMP/out")
    taishi -r pcaps/demo.pcap --set "asset.state-file=$TMP/assets.state" --events asset,stats
    expect "asset state file: a restart announces no known server ($n1 then $(grep -c '"event_type":"asset"' "$TMP/out"))" \
        [ "$n1" -eq 7 ] && [ "$(grep -c '"event_type":"asset"' "$TMP/out")" -eq 0 ] && grep -q '"loaded":7' "$TMP/out"
    python3 tests/tools/flood_pcap.py servers 200 >"$TMP/servers.pcap"
    taishi -r "$TMP/servers.pcap" --set asset.max-entries=16 --events asset,stats
    expect "asset memory bound: 200 servers through 16 entries" grep -q '"assets":{"known":16,"announced":200,"forgotten":184' "$TMP/out"
    # the run summary (--summary; auto: -r with stderr a terminal): the stats event's numbers
    taishi -r pcaps/enrich.pcap -w 2 --summary --set enrich.geoip.city=tests/data/taishi-test-city.mmdb \
        --set enrich.geoip.asn=tests/data/taishi-test-asn.mmdb --set enrich.assets=tests/data/assets.csv
    expect "--summary: the table on stderr, the same numbers as the stats event" python3 -c 'import json, re, sys
st = [json.loads(l) for l in open(sys.argv[1]) if "\"event_type\":\"stats\"" in l][-1]["stats"]
err = open(sys.argv[2]).read()
assert "== taishi run summary ==" in err, err
m = re.search(r"traffic +(\d+) packets, .*, (\d+) flows", err)
assert m and int(m.group(1)) == st["capture"]["packets"] and int(m.group(2)) == st["flow"]["created"], m
a = re.search(r"alerts +(\d+) \(severity 1: (\d+), 2: (\d+), 3: (\d+), other: (\d+)\)", err)
assert a and [int(x) for x in a.groups()[1:]] == [st["alerts"][k] for k in ("severity_1", "severity_2", "severity_3", "other")], a
xb = re.findall(r"^(?:  cross-border flows)? +(\d+)  ([A-Z?]{2})  ", err, re.M)
n = sum(1 for l in open(sys.argv[1]) if "\"policy\":\"cross-border\"" in l)
assert xb and sum(int(c) for c, _ in xb) == n, (xb, n)
assert re.search(r"risks by cause +\d+  ", err) and "top talkers" in err and "protocols by bytes" in err
ev = re.search(r"^  events +(.*)", err, re.M).group(1)
for k, v in st["events"].items():
    if v and k not in ("dropped", "anomalies_suppressed"):
        assert "%s %d" % (k, v) in ev, (k, v, ev)' "$TMP/out" "$TMP/err"
    taishi -r pcaps/demo.pcap
    expect "summary auto: none when stderr is not a terminal" absent_summary "$TMP/err"
    if command -v script >/dev/null; then
        script -qec "$T -r pcaps/demo.pcap -o /dev/null" /dev/null >"$TMP/tty" 2>&1
        expect "summary auto: shown when stderr is a terminal" grep -q "taishi run summary" "$TMP/tty"
        script -qec "$T -r pcaps/demo.pcap -o /dev/null --no-summary" /dev/null >"$TMP/tty" 2>&1
        expect "--no-summary: none at a terminal" absent_summary "$TMP/tty"
        script -qec "$T -r pcaps/demo.pcap -o /dev/null --set summary=no" /dev/null >"$TMP/tty" 2>&1
        expect "summary: no (the config key): none at a terminal" absent_summary "$TMP/tty"
    else
        bad "script (util-linux) missing: cannot test the summary at a terminal"
    fi
    taishi -r pcaps/demo.pcap --set summary=sometimes
    expect "summary: bad value refused, key named" [ "$rc" -eq 1 ] && grep -q "summary: bad value 'sometimes'" "$TMP/err"
    # the stats event says which ruleset is loaded, and since when
    RULES=(); for f in rules/*.rules; do RULES+=(-S "$f"); done
    t0=$(date +%s)
    taishi -r pcaps/rules-http.pcap "${RULES[@]}" --set detect.cache-dir= --events stats
    expect "stats: rules{sha256, rules, loaded_at, reloads}" python3 -c 'import json, sys, datetime
st = json.loads(open(sys.argv[1]).read())["stats"]["rules"]
at = datetime.datetime.strptime(st["loaded_at"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
assert st["sha256"] == sys.argv[2] and st["rules"] > 30 and st["reloads"] == 0 and st["reload_failures"] == 0, st
assert int(sys.argv[3]) - 1 <= at <= int(sys.argv[3]) + 120, (at, sys.argv[3])' "$TMP/out" "$(cat rules/*.rules | sha256sum | cut -d' ' -f1)" "$t0"
    expect "stats: no rules object without rules" [ "$(grep -c '"rules":{' tests/golden/demo.pcap.json)" -eq 0 ]
    # make demo's run (tests/tools/demo.sh): the situation, the summary, where the JSON went
    tests/tools/demo.sh "$B" "$TMP/demo.json" >"$TMP/out" 2>"$TMP/err"; rc=$?
    san_clean "$TMP/err" || bad "sanitizer report in the demo: $(head -5 "$TMP/err")"
    expect "demo: exit 0, the summary, one line saying where the JSON went" [ "$rc" -eq 0 ] &&
        grep -q "taishi run summary" "$TMP/err" && grep -q "events (JSON lines) in $TMP/demo.json" "$TMP/out"
    expect "demo: alerts of the project's rules, geo/ASN, cross-border, asset, nDPI risk" python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
al = [e for e in ev if e["event_type"] == "alert"]
assert {a["alert"]["signature_id"] for a in al} >= {9100100, 9100200, 9100040, 9100210, 9100300}, al
assert all(a["ruleset"]["rules"] > 30 for a in al)
assert any(a.get("src_geo", {}).get("asn") == 64500 and a["src_geo"]["country_iso_code"] == "US" for a in al)
risk = [e["risk"] for e in ev if e["event_type"] == "risk"]
assert {r["country"] for r in risk if r["source"] == "policy"} == {"US", "GB", "JP"}, risk
assert any("Clear-Text Credentials" in r.get("names", []) for r in risk), risk
assert any(e["event_type"] == "asset" and e.get("dest_asset", {}).get("name") == "portal" for e in ev)' "$TMP/demo.json"
    taishi -r pcaps/demo.pcap --set metrics.listen=nowhere
    expect "metrics.listen: a bad address refused, key named" [ "$rc" -eq 1 ] && grep -q "metrics.listen: 'nowhere'" "$TMP/err"
    taishi -r pcaps/demo.pcap -w 0x
    expect "bad -w: exit 1" [ "$rc" -eq 1 ]
    taishi -r pcaps/demo.pcap -S "$TMP/missing.rules"
    expect "-S missing file: named, exit 1" [ "$rc" -eq 1 ] && grep -q "missing.rules" "$TMP/err"
    rm -f "$TMP/ev.json"
    taishi -r pcaps/demo.pcap -o "$TMP/ev.json" -w 1 --set sensor-id=test
    expect "-o writes the file" cmp -s "$TMP/ev.json" tests/golden/demo.pcap.json
    taishi -r pcaps/many-flows.pcap --set flow.memcap=1mb -w 1
    expect "memcap: evictions counted" python3 -c 'import json,sys
s=[json.loads(l) for l in open(sys.argv[1]) if "\"stats\"" in l][0]["stats"]["flow"]
assert s["memcap_evictions"] > 0 and s["ended"]["memcap"] == s["memcap_evictions"], s' "$TMP/out"
    expect "memcap: every flow still reported" [ "$(grep -c '"event_type":"flow"' "$TMP/out")" -eq 2200 ]
    first=0
done
# 4. fuzz corpora replayed without libFuzzer (ASan+UBSan build of the targets)
B=fuzz
for r in build/fuzz-regress/*; do
    [ -x "$r" ] && [ -f "$r" ] || continue
    t=$(basename "$r")
    if ASAN_OPTIONS=detect_leaks=1 "$r" "tests/fuzz/corpus/$t" >"$TMP/fz" 2>&1 && san_clean "$TMP/fz"; then
        ok
    else
        bad "fuzz corpus $t: $(grep -m3 -E "ERROR|runtime error|FAIL" "$TMP/fz")"
    fi
done

# 4b. ThreadSanitizer: the multi-worker pipeline (reader, rings, workers, output)
if [ -x build/san-thread/taishi ]; then
    B=tsan
    echo "ip,203.0.113.30" >"$TMP/tsan-intel.csv"
    python3 tests/tools/slow_pcap.py pcaps/many-flows.pcap 3 |
        TSAN_OPTIONS=halt_on_error=0:exitcode=97 build/san-thread/taishi -r - -w 3 -o /dev/null \
        --set "intel.files=[$TMP/tsan-intel.csv]" --set enrich.geoip.city=tests/data/taishi-test-city.mmdb \
        --set stats.interval=1 2>"$TMP/tsan" &
    tp=$!
    sleep 0.7; kill -HUP $tp; sleep 0.7; kill -HUP $tp
    wait $tp; trc=$?
    if [ $trc -eq 0 ] && ! grep -q "ThreadSanitizer" "$TMP/tsan" && grep -q reloaded "$TMP/tsan"; then ok; else bad "tsan reload (exit $trc): $(grep -m2 -A6 WARNING "$TMP/tsan")"; fi
    # the detect stage: rules on their captures, reloaded twice mid-run
    RULES=()
    for f in rules/*.rules; do RULES+=(-S "$f"); done
    cat pcaps/rules-http.pcap >"$TMP/tsan-rules.pcap"
    for p in pcaps/rules-tcp-edge.pcap pcaps/rules-telnet.pcap pcaps/rules-dns.pcap pcaps/rules-http.pcap; do
        tail -c +25 "$p" >>"$TMP/tsan-rules.pcap"
    done
    python3 tests/tools/slow_pcap.py "$TMP/tsan-rules.pcap" 3 |
        TSAN_OPTIONS=halt_on_error=0:exitcode=97 build/san-thread/taishi -r - -w 3 -o "$TMP/tsan-rules.json" \
        "${RULES[@]}" --set detect.cache-dir= 2>"$TMP/tsan" &
    tp=$!
    sleep 1; kill -HUP $tp; sleep 0.8; kill -HUP $tp
    wait $tp; trc=$?
    if [ $trc -eq 0 ] && ! grep -q "ThreadSanitizer" "$TMP/tsan" && [ "$(grep -c reloaded "$TMP/tsan")" -ge 1 ] &&
       grep -q '"event_type":"alert"' "$TMP/tsan-rules.json"; then ok; else
        bad "tsan rules + reload (exit $trc): $(grep -m2 -A6 WARNING "$TMP/tsan")"; fi
    # the metrics endpoint: the HTTP thread copies what the main thread publishes, scraped mid-run
    mp=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 tests/tools/slow_pcap.py pcaps/many-flows.pcap 4 |
        TSAN_OPTIONS=halt_on_error=0:exitcode=97 build/san-thread/taishi -r - -w 3 -o /dev/null \
        --set stats.interval=1 --set "metrics.listen=127.0.0.1:$mp" 2>"$TMP/tsan" &
    tp=$!
    scraped=$(python3 -c 'import sys, time, urllib.request
n = 0
for _ in range(8):
    time.sleep(0.3)
    try:
        n += b"taishi_capture_packets_total" in urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read()
    except Exception:
        pass
print(n)' "$mp")
    wait $tp; trc=$?
    if [ $trc -eq 0 ] && ! grep -q "ThreadSanitizer" "$TMP/tsan" && [ "$scraped" -ge 3 ]; then ok; else
        bad "tsan metrics (exit $trc, $scraped scrapes): $(grep -m2 -A6 WARNING "$TMP/tsan")"; fi
    for p in pcaps/demo.pcap pcaps/many-flows.pcap pcaps/malformed.pcap pcaps/encap-gre.pcap pcaps/ipv4-frag.pcap; do
        TSAN_OPTIONS=halt_on_error=0:exitcode=97 build/san-thread/taishi -r "$p" -w 3 -o /dev/null 2>"$TMP/tsan"
        trc=$?
        if [ $trc -eq 0 ] && ! grep -q "ThreadSanitizer" "$TMP/tsan"; then ok; else bad "tsan $p (exit $trc): $(grep -m2 -A3 WARNING "$TMP/tsan")"; fi
    done
fi

# 5. memory bounds (first build): floods stay within their caps, counted
B=$1
python3 tests/tools/flood_pcap.py syn 1000000 |
    /usr/bin/time -f "%M" -o "$TMP/rss" "$B/taishi" -r - -w 2 --set flow.memcap=64mb --events stats >"$TMP/out" 2>"$TMP/err"
rss=$(cat "$TMP/rss")
expect "1M SYNs, flow.memcap=64mb: under 256 MiB resident (${rss} KiB)" [ "${rss:-999999999}" -lt $((256 * 1024)) ]
expect "1M SYNs: evictions reported" python3 -c 'import json,sys
f=json.load(open(sys.argv[1]))["stats"]["flow"]
assert f["created"] == 1000000 and f["memcap_evictions"] > 900000 and f["ended"]["memcap"] == f["memcap_evictions"], f' "$TMP/out"
# (the flood's flows are one-sided, SYN and data from the client only: with
# stream.async-oneside they are sessions and reassembled, as in Suricata)
python3 tests/tools/flood_pcap.py ooo 100000 |
    /usr/bin/time -f "%M" -o "$TMP/rss" "$B/taishi" -r - -w 2 --events stats,http --set stream.memcap=32mb \
        --set stream.async-oneside=yes >"$TMP/out" 2>"$TMP/err"
rss=$(cat "$TMP/rss")
expect "out-of-order flood (100 MB waiting behind holes): under 160 MiB resident (${rss} KiB)" [ "${rss:-999999999}" -lt $((160 * 1024)) ]
expect "out-of-order flood: holes given up at the bound, counted" python3 -c 'import json,sys
s=json.load(open(sys.argv[1]))["stats"]["stream"]
assert s["out_of_order"] > 30000 and s["queue_limit"] > 0 and s["gaps"] > 0 and s["memory"] == 0, s' "$TMP/out"
python3 tests/tools/flood_pcap.py frag 200000 |
    /usr/bin/time -f "%M" -o "$TMP/rss" "$B/taishi" -r - -w 2 --events stats >"$TMP/out" 2>"$TMP/err"
rss=$(cat "$TMP/rss")
expect "fragment flood: under 128 MiB resident (${rss} KiB)" [ "${rss:-999999999}" -lt $((128 * 1024)) ]
expect "fragment flood: trackers recycled and counted" python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))["stats"]["defrag"]
assert d["fragments"] == 200000 and d["trackers_full"] >= 200000 - 1024, d' "$TMP/out"

# The certificates' fingerprints are computed only for the tls event and
# rules on tls.cert_fingerprint (app_x509_parse's want_fp): with alerts
# only, a fingerprint rule must still see them.
printf 'alert tls any any -> any any (msg:"fp"; tls.cert_fingerprint; content:"88:e9:66"; sid:9;)\n' >"$TMP/fp.rules"
n=$("$B/taishi" -r pcaps/app-tlcp.pcap -w 1 --events alert -S "$TMP/fp.rules" 2>/dev/null | grep -c '"signature_id":9')
expect "tls.cert_fingerprint rule matches with --events alert (${n})" [ "${n:-0}" -ge 1 ]
n=$("$B/taishi" -r pcaps/app-tlcp.pcap -w 1 --events tls 2>/dev/null | grep -c '"fingerprint":"88:e9:66')
expect "tls event carries the fingerprint (${n})" [ "${n:-0}" -ge 1 ]

# files.magic is off by default (Suricata's force-magic: no): no magic in
# fileinfo, yet a filemagic rule opens libmagic and still matches.
n=$("$B/taishi" -r pcaps/files-http.pcap -w 1 --events fileinfo 2>/dev/null | grep -c '"magic"')
expect "files.magic off by default: no magic in fileinfo (${n})" [ "${n:-1}" = 0 ]
printf 'alert http any any -> any any (msg:"magic"; filemagic:"ASCII"; sid:7;)\n' >"$TMP/mg.rules"
n=$("$B/taishi" -r pcaps/files-http.pcap -w 1 -S "$TMP/mg.rules" --events alert 2>/dev/null | grep -c '"signature_id":7')
expect "filemagic rule with files.magic off: libmagic opened for it (${n})" [ "${n:-0}" -ge 1 ]
n=$("$B/taishi" -r pcaps/files-http.pcap -w 1 --set files.magic=yes --events fileinfo 2>/dev/null | grep -c '"magic"')
expect "files.magic=yes: magic in fileinfo (${n})" [ "${n:-0}" -ge 1 ]

# 6. Kafka output against the mock cluster (first build only)
B=$1
if [ -x build/kafka-mock ] && command -v kcat >/dev/null; then
    tests/kafka.sh "$1" >"$TMP/kafka" 2>&1
    grep -E "^FAIL" "$TMP/kafka"
    c=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$TMP/kafka")
    if [ -n "$c" ]; then pass=$((pass + ${c%% *})); fail=$((fail + ${c##* })); else bad "kafka tests did not finish"; tail -5 "$TMP/kafka"; fi
else
    bad "kafka tests: build/kafka-mock or kcat missing"
fi

# 6b. the rule engine end to end on every build (tests/rules.sh): the
#     project's rules on pcaps/rules-*.pcap give Suricata's alerts,
#     --check-rules, the cache, SIGHUP reload.
for B in "$@"; do
    tests/rules.sh "$B" >"$TMP/rules" 2>&1
    grep -E "^FAIL" "$TMP/rules"
    c=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$TMP/rules")
    if [ -n "$c" ]; then pass=$((pass + ${c%% *})); fail=$((fail + ${c##* })); else bad "rules tests did not finish"; tail -5 "$TMP/rules"; fi
done

# 6c. the differential harness (tests/parity.sh): alert counts per sid
#     against Suricata 7.0.10's stored answers, one capture per semantic.
for B in "$@"; do
    tests/parity.sh "$B" >"$TMP/parity" 2>&1
    grep -E "^FAIL" "$TMP/parity"
    grep -E "^parity:" "$TMP/parity"
    c=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$TMP/parity")
    if [ -n "$c" ]; then pass=$((pass + ${c%% *})); fail=$((fail + ${c##* })); else bad "parity tests did not finish"; tail -5 "$TMP/parity"; fi
done

# 7. the rule engine's reference (rules/README.md): Suricata 7.0.10 still
#    gives tests/golden/rules/ on pcaps/rules-*.pcap, every rule in rules/
#    fires, the near misses stay silent; compare_alerts.py sees a change.
B=reference
if tests/tools/make_rule_golden.sh --check >"$TMP/ref" 2>&1; then ok; else bad "make_rule_golden.sh --check"; tail -5 "$TMP/ref"; fi
if tests/tools/make_files_golden.sh --check >"$TMP/ref" 2>&1; then ok; else bad "make_files_golden.sh --check"; tail -5 "$TMP/ref"; fi
g=tests/golden/rules/rules-ftp.pcap.suricata.tsv
expect "compare_alerts.py: a file equals itself" tests/tools/compare_alerts.py -q "$g" "$g"
sed '$d' "$g" >"$TMP/less.tsv"
expect "compare_alerts.py: one alert less is a difference" [ "$(tests/tools/compare_alerts.py -q "$g" "$TMP/less.tsv" >/dev/null; echo $?)" = 1 ]


# 8. contrib/ (example config, man page, systemd unit, logrotate) and make install (first build)
B=install
tests/install.sh "$1" >"$TMP/install" 2>&1
grep -E "^FAIL" "$TMP/install"
c=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$TMP/install")
if [ -n "$c" ]; then pass=$((pass + ${c%% *})); fail=$((fail + ${c##* })); else bad "install tests did not finish"; tail -5 "$TMP/install"; fi

# sub_suite NAME SCRIPT BUILD: a suite of its own that ends with "N passed,
# M failed, K skipped"; its counts join ours, its FAIL/SKIP lines are shown.
sub_suite() {
    local name=$1 script=$2 lb=$3 c lp lf ls
    B=$name
    "$script" "$lb" >"$TMP/$name" 2>&1
    grep -E "^(FAIL|SKIP)" "$TMP/$name"
    c=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$TMP/$name")
    if [ -n "$c" ]; then
        read -r lp lf ls <<<"$c"; pass=$((pass + lp)); fail=$((fail + lf)); skipped=$((${skipped:-0} + ls))
    else
        bad "$name tests did not finish ($lb)"; tail -5 "$TMP/$name"
    fi
}
# 8b. the smb and dcerpc parsers: rules, port fallback, Suricata's events (tests/smb.sh)
for LB in "$@"; do sub_suite smb tests/smb.sh "$LB"; done
# 9. live capture (-i) in a private network namespace, every build (tests/live.sh)
for LB in "$@"; do sub_suite live tests/live.sh "$LB"; done
# 10. Prometheus scraping GET /metrics of a live sensor, every build (tests/metrics.sh)
for LB in "$@"; do sub_suite metrics tests/metrics.sh "$LB"; done

echo "$pass passed, $fail failed${skipped:+, $skipped skipped}"
[ "$fail" -eq 0 ]
