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
[ $fail -eq 0 ] && echo "corpus: ok" || echo "corpus: FAILED"
exit $fail
