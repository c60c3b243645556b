#!/bin/bash
# corpus.sh BUILD_DIR - the corpus checks against ../shared (make corpus):
#   every capture in ../shared/pcaps/ndpi is replayed with 2 workers (normal
#   build, then ASan+UBSan build when present); none may crash, hang (60 s),
#   or print a sanitizer report; the flow events are scored against what
#   ndpiReader 4.2 reports (../shared/check/ndpi-agreement: detected >= 97%,
#   all >= 98%).
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
SHARED=../shared
if [ ! -d $SHARED/pcaps/ndpi ]; then echo "corpus: ../shared not present, nothing to do"; exit 0; fi
export ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT
fail=0
for bin in "$B/taishi" build/san-address-undefined/taishi; do
    [ -x "$bin" ] || continue
    rm -f "$OUT"/*.json
    n=0 t0=$(date +%s.%N)
    for p in $SHARED/pcaps/ndpi/*.pcap $SHARED/pcaps/ndpi/*.pcapng; do
        f=$(basename "$p")
        timeout 120 "$bin" -r "$p" -w 2 -o "$OUT/$f.json" 2>"$OUT/$f.err"; rc=$?
        n=$((n + 1))
        if [ $rc -gt 1 ]; then echo "corpus: $bin $f: exit $rc"; head -5 "$OUT/$f.err"; fail=1; fi
        if grep -qE "runtime error|AddressSanitizer|LeakSanitizer" "$OUT/$f.err"; then
            echo "corpus: $bin $f: sanitizer report"; head -20 "$OUT/$f.err"; fail=1
        fi
    done
    echo "corpus: $bin: $n captures in $(echo "$(date +%s.%N) - $t0" | bc) s"
    python3 $SHARED/check/ndpi-agreement "$OUT" || fail=1
done
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
