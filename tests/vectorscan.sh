#!/bin/bash
# vectorscan.sh - the test suite (tests/run.sh) on a build against Vectorscan
# (make test-vectorscan). libvectorscan-dev conflicts with libhyperscan-dev
# (and so with the host's Suricata), so this runs in a throw-away amd64
# Debian 12 root, build/roots/amd64-vectorscan (tests/tools/root.sh, cached):
# the runtime -dev packages with libvectorscan-dev, and what tests/run.sh
# uses (kcat, tcpreplay, tshark, ...). The source tree is copied in (mtimes
# kept, so a second run rebuilds only what changed), built there with
# make HS=vectorscan, and tests/run.sh runs on that build.
# Two parts of tests/run.sh cannot run in that root and are counted as
# skipped, by name: Suricata's own reference check (make_rule_golden.sh
# --check: Suricata needs Hyperscan's package, which Vectorscan's replaces)
# and Prometheus scraping /metrics (tests/metrics.sh; Prometheus is not
# installed there). Every other check must pass.
# Needs root and debootstrap. Ends with "N passed, M failed, K skipped".
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL [vectorscan]: $*"; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }
skip_all() { echo "SKIP [vectorscan]: $*"; skip=$((skip + 1)); finish; }
[ "$(id -u)" -eq 0 ] || skip_all "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || skip_all "needs debootstrap"

RR=$PWD/build/roots/amd64-vectorscan
t0=$(date +%s)
PKGS="$(tests/tools/install-deps.sh --print-runtime | sed 's/libhyperscan-dev/libvectorscan-dev/')
      python3 python3-yaml bc kcat tcpreplay logrotate iproute2 tshark bsdextrautils procps time
      systemd man-db"
# shellcheck disable=SC2086
tests/tools/root.sh make amd64 "$RR" $PKGS || { bad "no root"; finish; }
t1=$(date +%s)
inroot() { tests/tools/root.sh run "$RR" "$@"; }
mkdir -p "$RR/src/taishi"
git ls-files -co --exclude-standard -z | grep -zv '^build/' | tar --null -T - -cf - | tar -C "$RR/src/taishi" -xf -
C=$(git describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null || echo unknown)
inroot /bin/sh -c "cd /src/taishi && make -j2 HS=vectorscan GIT_COMMIT=$C all units build/kafka-mock build/app-replay build/rules-stat" \
    >"$RR.build.log" 2>&1 || { bad "make HS=vectorscan in the root: $(grep -m3 -E 'error|Error' "$RR.build.log")"; finish; }
t2=$(date +%s)
inroot /src/taishi/build/taishi --version >"$RR.version"
grep -q "^Vectorscan 5\.4\.[0-9]" "$RR.version" && ok || bad "--version does not say Vectorscan: $(cat "$RR.version")"
inroot /bin/bash -c "cd /src/taishi && tests/run.sh build" >"$RR.tests.log" 2>&1
t3=$(date +%s)
# FAIL lines: the two parts the root cannot run are skips, the rest failures
known='make_rule_golden.sh --check|^FAIL \[metrics|prometheus'
while read -r line; do
    if grep -qE "$known" <<<"$line"; then echo "SKIP (no Suricata/Prometheus in the root): $line"; skip=$((skip + 1))
    else echo "$line"; fi
done < <(grep -E "^FAIL" "$RR.tests.log")
c=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*$/\1 \2/p' "$RR.tests.log" | tail -1)
if [ -n "$c" ]; then
    nf=$(grep -E "^FAIL" "$RR.tests.log" | grep -cvE "$known")
    pass=$((pass + ${c%% *})); fail=$((fail + nf))
    [ "${c##* }" -ge "$nf" ] || bad "tests/run.sh counted fewer failures than it printed"
else
    bad "tests/run.sh did not finish in the root"; tail -5 "$RR.tests.log"
fi
echo "vectorscan: $(sed -n 3p "$RR.version"); root $((t1 - t0)) s, build $((t2 - t1)) s, tests $((t3 - t2)) s"
finish
