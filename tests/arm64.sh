#!/bin/bash
# arm64.sh [--deb-only] - taishi on arm64 under qemu-user (make test-arm64):
#   1. an arm64 Debian 12 root under build/roots/arm64 (tests/tools/root.sh:
#      debootstrap --foreign --arch arm64, finished through qemu-user-static
#      and binfmt_misc; the arm64 build dependencies installed there, with
#      Vectorscan: Hyperscan is x86-only), cached: a second run reuses it;
#   2. the source tree copied in (tracked and new files; mtimes kept, so a
#      second run rebuilds only what changed) and built there, natively under
#      emulation, the way the package is built (contrib/debian/build-deb.sh:
#      Debian's hardening flags, in /src/taishi/build/deb-obj, the unit tests
#      too), which also makes the arm64 package;
#   3. inside the root: the unit tests, --selftest, --version (Vectorscan,
#      an aarch64 binary), every capture of pcaps/ against the amd64 goldens
#      (tests/golden/, byte for byte with -w 1; -w 2 the same events), and
#      tests/rules.sh (the project's rules against Suricata's alerts, the
#      cache, reloads);
#   4. a short corpus sample, when ../shared is there: every 8th capture of
#      ../shared/pcaps/ndpi with all of ET Open, the arm64 events against the
#      host's build (build/taishi) byte for byte (-w 1), except in the stats
#      event the wall-clock rules.loaded_at and the prefilter counts
#      detect.candidates and verified (engine-dependent);
#   5. the arm64 package of step 2 copied to build/deb/, lintian on it when
#      lintian is installed.
# --deb-only: 1, 2 and 5 (make deb-arm64).
# Needs root, debootstrap, qemu-user-static, binfmt-support.
# Ends with "N passed, M failed, K skipped"; exit 1 when anything failed.
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL [arm64]: $*"; }
expect() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }
skip_all() { echo "SKIP [arm64]: $*"; skip=$((skip + 1)); finish; }
count_in() {    # count_in FILE: add "N passed, M failed" of FILE's last such line
    local c
    c=$(sed -nE 's/^([a-z0-9_]+: )?([0-9]+) passed, ([0-9]+) failed.*$/\2 \3/p' "$1" | tail -1)
    if [ -n "$c" ]; then pass=$((pass + ${c%% *})); fail=$((fail + ${c##* })); return 0; fi
    return 1
}

# --- inside the root (arm64.sh --inside BUILD): steps 3 ----------------------
if [ "${1:-}" = --inside ]; then
    B=$2 T=$2/taishi
    TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
    for u in "$B"/tests/test_*; do
        case $u in *.d) continue ;; esac
        "$u" >"$TMP/unit" 2>&1; urc=$?
        count_in "$TMP/unit" || bad "unit $(basename "$u"): no count"
        [ "$urc" -eq 0 ] || { bad "unit $(basename "$u") (exit $urc)"; grep FAIL "$TMP/unit" | head; }
    done
    expect "--selftest" "$T" --selftest
    expect "uname -m: aarch64 ($(uname -m))" [ "$(uname -m)" = aarch64 ]
    expect "the binary is an AArch64 ELF" [ "$(od -An -tu2 -j18 -N2 "$T" | tr -d ' ')" = 183 ]
    "$T" --version >"$TMP/v"
    expect "--version: Vectorscan ($(sed -n 3p "$TMP/v"))" grep -q "^Vectorscan 5\.4\.[0-9]" "$TMP/v"
    no_stats() { grep -v '"event_type":"stats"\|"event_type":"asset"' "$1" | sort; }
    for p in pcaps/*.pcap pcaps/*.pcapng; do
        n=$(basename "$p"); g=tests/golden/$n.json
        case $n in corrupt-*) continue ;; esac
        "$T" -r "$p" -w 1 --set sensor-id=test >"$TMP/out" 2>"$TMP/err"
        expect "$n: exit 0 ($(head -2 "$TMP/err"))" [ $? -eq 0 ]
        if cmp -s "$TMP/out" "$g"; then ok; else bad "$n: differs from the amd64 golden $g"; diff "$g" "$TMP/out" | head -6; fi
        "$T" -r "$p" -w 2 --set sensor-id=test >"$TMP/w2" 2>/dev/null
        # ftp_data links across workers race (README, FTP; tests/run.sh): a subset
        ftpd='"event_type":"ftp_data"\|"event_type":"fileinfo".*"ftp_data":{'
        expect "$n: -w 2 gives the golden's events" [ "$(no_stats "$TMP/w2" | grep -v "$ftpd")" = "$(no_stats "$g" | grep -v "$ftpd")" ]
        expect "$n: -w 2 ftp_data events among the golden's" [ -z "$(comm -23 <(no_stats "$TMP/w2" | grep "$ftpd") <(no_stats "$g" | grep "$ftpd"))" ]
    done
    tests/rules.sh "$B" >"$TMP/rules" 2>&1
    grep "^FAIL" "$TMP/rules"
    count_in "$TMP/rules" || { bad "tests/rules.sh did not finish"; tail -5 "$TMP/rules"; }
    finish
fi

deb_only=0; [ "${1:-}" = --deb-only ] && deb_only=1
[ "$(id -u)" -eq 0 ] || skip_all "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || skip_all "needs debootstrap"
[ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] || command -v qemu-aarch64-static >/dev/null ||
    skip_all "needs qemu-user-static and binfmt-support"
RR=$PWD/build/roots/arm64
t0=$(date +%s)
PKGS="$(tests/tools/install-deps.sh --print-runtime | sed 's/libhyperscan-dev/libvectorscan-dev/') python3 bc"
# shellcheck disable=SC2086
tests/tools/root.sh make arm64 "$RR" $PKGS || { bad "no arm64 root"; finish; }
t1=$(date +%s)
inroot() { tests/tools/root.sh run "$RR" "$@"; }

mkdir -p "$RR/src/taishi"
git ls-files -co --exclude-standard -z | grep -zv '^build/' | tar --null -T - -cf - | tar -C "$RR/src/taishi" -xf -
C=$(git describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null || echo unknown)
# HS=vectorscan: the build stops if the root's libhs were Hyperscan
inroot /bin/sh -c "cd /src/taishi && rm -f build/deb/*.deb && HS=vectorscan GIT_COMMIT=$C \
    contrib/debian/build-deb.sh build/deb-obj build/deb units" >"$RR.build.log" 2>&1
cp "$RR/src/taishi/build/deb/build-arm64.log" "$RR.make.log" 2>/dev/null
expect "build and package inside the arm64 root ($(tail -3 "$RR.build.log"))" \
    [ -x "$RR/src/taishi/build/deb-obj/taishi" ]
expect "the arm64 build has no compiler warning ($(grep -m2 'warning:' "$RR.make.log"))" \
    [ -z "$(grep 'warning:' "$RR.make.log")" ]
t2=$(date +%s)

if [ $deb_only = 0 ] && [ -x "$RR/src/taishi/build/deb-obj/taishi" ]; then
    inroot /bin/bash -c "cd /src/taishi && tests/arm64.sh --inside build/deb-obj" >"$RR.tests.log" 2>&1
    grep -E "^(FAIL|SKIP)" "$RR.tests.log"
    count_in "$RR.tests.log" || { bad "the tests inside the root did not finish"; tail -5 "$RR.tests.log"; }
    t3=$(date +%s)

    # 4. the corpus sample against the host's build
    SHARED=../shared; [ -d "$SHARED/pcaps/ndpi" ] || SHARED=/work/shared
    H=${HOST_BUILD:-build}/taishi
    if [ -d "$SHARED/pcaps/ndpi" ] && [ -d "$SHARED/rules/et-open" ] && [ -x "$H" ]; then
        rm -rf "$RR/tmp-corpus"; mkdir -p "$RR/tmp-corpus/pcaps" "$RR/tmp-corpus/et"
        cp "$SHARED"/rules/et-open/*.rules "$SHARED"/rules/et-open/*.config "$RR/tmp-corpus/et/" 2>/dev/null
        ls "$SHARED"/pcaps/ndpi/* | sort | awk 'NR % 8 == 1' >"$RR/tmp-corpus/list"
        while read -r p; do cp "$p" "$RR/tmp-corpus/pcaps/"; done <"$RR/tmp-corpus/list"
        ET=(); for f in "$RR"/tmp-corpus/et/*.rules; do ET+=(-S "/tmp-corpus/et/$(basename "$f")"); done
        HET=(); for f in "$RR"/tmp-corpus/et/*.rules; do HET+=(-S "$f"); done
        # every event byte for byte, but in the stats event the wall-clock
        # rules.loaded_at and the engines' prefilter counts (detect.candidates,
        # verified: Vectorscan is given some literals shorter, see detect_compile.c)
        norm() { python3 -c 'import json, sys
for l in open(sys.argv[1]):
    if "\"event_type\":\"stats\"" in l:
        e = json.loads(l); s = e["stats"]
        s.get("rules", {}).pop("loaded_at", None)
        for k in ("candidates", "verified"): s.get("detect", {}).pop(k, None)
        l = json.dumps(e, separators=(",", ":")) + "\n"
    sys.stdout.write(l)' "$1"; }
        n=0
        for p in "$RR"/tmp-corpus/pcaps/*; do
            b=$(basename "$p")
            "$H" -r "$p" -w 1 --set sensor-id=test "${HET[@]}" --set detect.cache-dir= >"$RR/tmp-corpus/$b.amd64" 2>/dev/null
            inroot /src/taishi/build/deb-obj/taishi -r "/tmp-corpus/pcaps/$b" -w 1 --set sensor-id=test \
                "${ET[@]}" --set detect.cache-dir=/tmp-corpus >"$RR/tmp-corpus/$b.arm64" 2>"$RR/tmp-corpus/$b.err"
            rc=$?
            expect "corpus $b: arm64 exit $rc ($(head -2 "$RR/tmp-corpus/$b.err"))" [ $rc -eq 0 ]
            if cmp -s <(norm "$RR/tmp-corpus/$b.amd64") <(norm "$RR/tmp-corpus/$b.arm64"); then ok
            else bad "corpus $b: arm64 events differ from amd64"; diff "$RR/tmp-corpus/$b.amd64" "$RR/tmp-corpus/$b.arm64" | head -4; fi
            n=$((n + 1))
        done
        ev=$(cat "$RR"/tmp-corpus/*.arm64 | wc -l); al=$(cat "$RR"/tmp-corpus/*.arm64 | grep -c '"event_type":"alert"')
        echo "arm64: corpus sample: $n captures, $ev events ($al alerts) with ET Open, the same as amd64's"
    else
        echo "SKIP [arm64]: corpus sample: needs ../shared (pcaps/ndpi, rules/et-open) and $H"; skip=$((skip + 1))
    fi
    t4=$(date +%s)
fi

# 5. the arm64 package (made in step 2)
d=$(ls "$RR"/src/taishi/build/deb/taishi_*_arm64.deb 2>/dev/null | tail -1)
expect "the arm64 package ($(tail -2 "$RR.build.log"))" [ -n "$d" ]
if [ -n "$d" ]; then
    mkdir -p build/deb && cp "$d" build/deb/
    echo "arm64: package build/deb/$(basename "$d"); Depends: $(dpkg-deb -f "$d" Depends)"
    expect "the arm64 package depends on Vectorscan" grep -q libvectorscan5 <(dpkg-deb -f "$d" Depends)
    if command -v lintian >/dev/null; then
        lintian -EvIL +pedantic --tag-display-limit 0 "$d" 2>&1 | grep -v "root privileges" >"$RR.lintian"
        expect "lintian on the arm64 package: no tag ($(head -3 "$RR.lintian"))" [ ! -s "$RR.lintian" ]
    fi
fi
t5=$(date +%s)
echo "arm64: root $((t1 - t0)) s, build $((t2 - t1)) s${t3:+, tests $((t3 - t2)) s}${t4:+, corpus $((t4 - t3)) s}, package $((t5 - ${t4:-$t2})) s; total $((t5 - t0)) s"
finish
