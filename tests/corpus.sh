#!/bin/bash
# corpus.sh BUILD_DIR - the corpus checks against ../shared (make corpus):
#   - --check-rules on all of ET Open (../shared/rules/et-open): the load
#     rate over enabled rules (at least 95%), compile time, the reasons;
#   - every capture in ../shared/pcaps/ndpi is replayed with all of ET Open
#     loaded and 2 workers (normal build, then ASan+UBSan build when
#     present); none may crash, hang (120 s), leak or print a sanitizer report;
#   - the flow events are scored against what ndpiReader 4.2 reports
#     (../shared/check/ndpi-agreement: detected >= 97%, all >= 98%); every
#     event against Suricata 7.0.10's EVE schema (../shared/check/eve-schema);
#   - the alerts against Suricata 7.0.10's with the same rules
#     (tests/golden/et-open/, made by tests/tools/make_et_golden.sh), count
#     per sid; the differences explained in tests/golden/et-open/KNOWN.tsv are
#     allowed, any other fails. That reference is Suricata with the parity
#     configuration (tests/data/suricata.yaml: stream.midstream and
#     stream.async-oneside on), so taishi gets the same two settings (PARITY);
#   - the same at both tools' own defaults: Suricata's shipped suricata.yaml
#     (tests/golden/et-open-defaults/, DEFAULTS=1 make_et_golden.sh) against
#     taishi with no --set (midstream and async-oneside off in both);
#   - the http/tls/dns events' hosts, SNIs and queries against the
#     hostname/SNI column of expected-ndpi42.tsv (tests/tools/app_agreement.py).
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
SHARED=../shared
if [ ! -d $SHARED/pcaps/ndpi ]; then echo "corpus: ../shared not present, nothing to do"; exit 0; fi
export ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT
fail=0
ET=()
for f in $SHARED/rules/et-open/*.rules; do ET+=(-S "$f"); done
CACHE="$OUT/hs-cache"
# the parity configuration's stream settings (tests/data/suricata.yaml)
PARITY=(--set stream.midstream=true --set stream.async-oneside=true)
"$B/taishi" --check-rules "${ET[@]}" --set "detect.cache-dir=$CACHE" >"$OUT/check.txt" 2>&1
grep -E "^(parse|rules)" "$OUT/check.txt" | sed 's/^/corpus: ET Open: /'
echo "corpus: ET Open: top reasons for the rules that did not load:"
sed -n 's/^[^:]*:[0-9]*: sid [0-9]*: \(error\|unsupported\): //p' "$OUT/check.txt" |
    sed "s/'[^']*'$/&/; s/ at offset [0-9]*//" | sort | uniq -c | sort -rn | head -8 | sed 's/^/corpus:   /'
echo "corpus: ET Open by file (files with rules that did not load):"
for f in $SHARED/rules/et-open/*.rules; do
    n=$(grep -cE '^(alert|drop|reject|rejectsrc|rejectdst|rejectboth|pass) ' "$f" || true)
    p=$(grep -c "^$f:" "$OUT/check.txt" || true)
    [ "$p" -gt 0 ] && echo "corpus:   $(basename "$f"): $((n - p)) of $n loaded"
done
if ! python3 - "$OUT/check.txt" <<'PY'
import re, sys
m = re.search(r'^rules: (\d+) loaded, (\d+) skipped \(unsupported\), (\d+) failed$', open(sys.argv[1]).read(), re.M)
l, s, f = map(int, m.groups())
rate = 100.0 * l / (l + s + f)
print('corpus: ET Open load rate %.2f%% (%d of %d enabled rules)' % (rate, l, l + s + f))
sys.exit(0 if rate >= 95.0 else 1)
PY
then echo "corpus: ET Open load rate under 95%"; fail=1; fi
# compare_alerts_dir EVENTS_DIR GOLDEN_DIR: the alerts of each capture
# against Suricata's, count per sid (2 workers: which flow a threshold lets
# through may differ); every difference must be explained for that capture
# in GOLDEN_DIR/KNOWN.tsv.
compare_alerts_dir() {
    local dir=$1 gold=$2 nd=0 same=0 f p g
    for p in $SHARED/pcaps/ndpi/*.pcap $SHARED/pcaps/ndpi/*.pcapng; do
        f=$(basename "$p"); g=$gold/$f.suricata.tsv
        [ -f "$g" ] || continue
        python3 tests/tools/alerts_tsv.py "$dir/$f.json" >"$dir/$f.tsv"
        if tests/tools/compare_alerts.py -q --key sid "$g" "$dir/$f.tsv" >"$dir/$f.cmp"; then
            same=$((same + 1)); continue
        fi
        while read -r sid a b; do
            if grep -qP "^$f\t$sid\t" "$gold/KNOWN.tsv" 2>/dev/null; then
                echo "corpus: $(basename "$gold") $f sid $sid: Suricata $a, taishi $b (known: $(grep -P "^$f\t$sid\t" "$gold/KNOWN.tsv" | cut -f3 | cut -c1-110)...)"
            else
                echo "corpus: $(basename "$gold") $f sid $sid: Suricata $a, taishi $b: UNEXPLAINED"; nd=$((nd + 1))
            fi
        done < <(sed -n 's/^\* \([0-9:]*\) *\([0-9]*\) *\([0-9]*\)$/\1 \2 \3/p' "$dir/$f.cmp")
    done
    echo "corpus: $(basename "$gold"): alerts equal to Suricata 7.0.10's on $same captures; $nd unexplained differences"
    [ $nd -eq 0 ]
}

for bin in "$B/taishi" build/san-address-undefined/taishi; do
    [ -x "$bin" ] || continue
    rm -f "$OUT"/*.json
    n=0 t0=$(date +%s.%N)
    for p in $SHARED/pcaps/ndpi/*.pcap $SHARED/pcaps/ndpi/*.pcapng; do
        f=$(basename "$p")
        timeout 300 "$bin" -r "$p" -w 2 "${ET[@]}" --set "detect.cache-dir=$CACHE" "${PARITY[@]}" \
            -o "$OUT/$f.json" 2>"$OUT/$f.err"; rc=$?
        n=$((n + 1))
        if [ $rc -gt 1 ]; then echo "corpus: $bin $f: exit $rc"; head -5 "$OUT/$f.err"; fail=1; fi
        if grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$OUT/$f.err"; then
            echo "corpus: $bin $f: sanitizer report"; head -20 "$OUT/$f.err"; fail=1
        fi
    done
    echo "corpus: $bin: $n captures in $(echo "$(date +%s.%N) - $t0" | bc) s"
    python3 $SHARED/check/ndpi-agreement "$OUT" || fail=1
    python3 tests/tools/app_agreement.py $SHARED/pcaps/ndpi/expected-ndpi42.tsv "$OUT" 95 || fail=1
    compare_alerts_dir "$OUT" tests/golden/et-open || fail=1
    # every event held against Suricata 7.0.10's EVE schema: fields Suricata
    # also writes must have its names, types and required members
    cat "$OUT"/*.json >"$OUT/all-events.jsonl"
    if python3 $SHARED/check/eve-schema "$OUT/all-events.jsonl" >"$OUT/eve-schema.txt"; then
        echo "corpus: eve-schema: $(tail -1 "$OUT/eve-schema.txt")"
    else
        echo "corpus: eve-schema: mismatches with Suricata's EVE fields:"; grep MISMATCH "$OUT/eve-schema.txt"; fail=1
    fi
    rm -f "$OUT/all-events.jsonl"
done
# The same rules with EXTERNAL_NET=any (Suricata's reference in
# tests/golden/et-open-extnet-any): rules written from outside to inside
# fire on the corpus's private-to-private traffic too.
rm -f "$OUT"/*.json
for p in $SHARED/pcaps/ndpi/*.pcap $SHARED/pcaps/ndpi/*.pcapng; do
    f=$(basename "$p")
    timeout 300 "$B/taishi" -r "$p" -w 2 "${ET[@]}" --set "detect.cache-dir=$CACHE" "${PARITY[@]}" \
        --set vars.EXTERNAL_NET=any --events alert -o "$OUT/$f.json" 2>/dev/null
    rc=$?       # 1: a capture cut short (processed up to the damage), as above
    [ $rc -le 1 ] || { echo "corpus: $f: exit $rc"; fail=1; }
done
compare_alerts_dir "$OUT" tests/golden/et-open-extnet-any || fail=1
# Both tools at their own defaults (no midstream pick-up, no one-sided
# sessions): Suricata's shipped suricata.yaml in tests/golden/et-open-defaults.
if [ -d tests/golden/et-open-defaults ]; then
    rm -f "$OUT"/*.json
    for p in $SHARED/pcaps/ndpi/*.pcap $SHARED/pcaps/ndpi/*.pcapng; do
        f=$(basename "$p")
        [ -f "tests/golden/et-open-defaults/$f.suricata.tsv" ] || continue
        timeout 300 "$B/taishi" -r "$p" -w 2 "${ET[@]}" --set "detect.cache-dir=$CACHE" \
            --events alert -o "$OUT/$f.json" 2>/dev/null
        rc=$?
        [ $rc -le 1 ] || { echo "corpus: $f: exit $rc"; fail=1; }
    done
    compare_alerts_dir "$OUT" tests/golden/et-open-defaults || fail=1
fi
# Reloads: 8 SIGHUPs with all of ET Open while packets flow; the resident
# memory must come back to its level (every flow moves to the new ruleset,
# the old one is freed), within 48 MiB of allocator slack.
mkfifo "$OUT/hup.fifo"
"$B/taishi" -r - -w 2 "${ET[@]}" --set "detect.cache-dir=$CACHE" -o /dev/null <"$OUT/hup.fifo" 2>"$OUT/hup.err" &
hp=$!
exec 8>"$OUT/hup.fifo"
head -c 24 pcaps/demo.pcap >&8
sleep 3
rss0=$(awk '/VmRSS/ {print $2}' /proc/$hp/status)
for i in 1 2 3 4 5 6 7 8; do
    tail -c +25 pcaps/demo.pcap >&8
    kill -HUP $hp
    # each reload logged before the next (a loaded machine takes longer than 2 s).
    # The reader looks at the SIGHUP flag between packets: if the signal came
    # when it had read everything and sat in read() on the fifo, it reloads
    # only when more packets come, so keep them coming until it has
    for _ in $(seq 60); do
        [ "$(grep -c "reloaded:" "$OUT/hup.err")" -ge $i ] && break
        sleep 0.5
        tail -c +25 pcaps/demo.pcap >&8
    done
done
tail -c +25 pcaps/demo.pcap >&8; sleep 1
rss1=$(awk '/VmRSS/ {print $2}' /proc/$hp/status)
exec 8>&-
wait $hp
nre=$(grep -c "reloaded:" "$OUT/hup.err")
echo "corpus: 8 reloads of ET Open: RSS $((rss0 / 1024)) MiB before, $((rss1 / 1024)) MiB after, $nre reloads logged"
if [ "$nre" -ne 8 ] || [ "$rss1" -gt $((rss0 + 48 * 1024)) ]; then echo "corpus: reload memory check FAILED"; fail=1; fi
# GeoIP against MaxMind's test databases: demo.pcap's servers rewritten to
# addresses with known answers (../shared/geoip/KNOWN-ADDRESSES.md).
if [ -f $SHARED/geoip/GeoIP2-City-Test.mmdb ] && command -v tcprewrite >/dev/null; then
    tcprewrite --pnat=203.0.113.10/32:81.2.69.142/32,203.0.113.20/32:175.16.199.1/32,192.0.2.22/32:89.160.20.112/32 \
        -i pcaps/demo.pcap -o "$OUT/demo-geo.pcap"
    "$B/taishi" -r "$OUT/demo-geo.pcap" -w 2 --set enrich.geoip.city=$SHARED/geoip/GeoIP2-City-Test.mmdb \
        --set enrich.geoip.asn=$SHARED/geoip/GeoLite2-ASN-Test.mmdb --events flow,risk >"$OUT/geo.json"
    if python3 - "$OUT/geo.json" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
geo = {e['dest_ip']: e['dest_geo'] for e in ev if e['event_type'] == 'flow' and 'dest_geo' in e}
want = {'81.2.69.142': ('GB', 'London', 'ENG', 0), '175.16.199.1': ('CN', 'Changchun', '22', 0),
        '89.160.20.112': ('SE', 'Link\u00f6ping', 'E', 29518)}
for ip, (cc, city, reg, asn) in want.items():
    g = geo[ip]
    assert (g['country_iso_code'], g['city_name'], g['region_iso_code'], g.get('asn', 0)) == (cc, city, reg, asn), (ip, g)
xb = sorted(e['dest_ip'] for e in ev if e['event_type'] == 'risk' and e['risk'].get('policy') == 'cross-border')
assert xb == ['81.2.69.142', '89.160.20.112'], xb
print('corpus: GeoIP test databases: %d addresses with known answers, cross-border %s' % (len(want), xb))
PY
    then :; else echo "corpus: GeoIP check FAILED"; fail=1; fi
fi
[ $fail -eq 0 ] && echo "corpus: ok" || echo "corpus: FAILED"
exit $fail
