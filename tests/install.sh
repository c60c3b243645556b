#!/bin/bash
# install.sh BUILD_DIR - what contrib/ ships and `make install` lays out:
#   - contrib/taishi.yaml loads (taishi -c ... --dump-config) and names every
#     key --dump-config knows, each with a comment above it or its section;
#   - contrib/taishi.8 renders with groff and man without a warning;
#   - contrib/taishi.service passes systemd-analyze verify and is hardened;
#   - contrib/taishi.logrotate parses (logrotate -d) and HUPs the service;
#   - make install DESTDIR=... PREFIX=... puts the binary, man page, example
#     config, logrotate file and unit where they belong, paths filled in, and
#     never overwrites a taishi.yaml that is already there.
# Ends with "N passed, M failed"; exit 1 when anything failed.
set -u
cd "$(dirname "$0")/.."
B=${1:-build}
T=$B/taishi
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL [install]: $*"; }
expect() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
absent() { ! grep -q "$@"; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

"$T" --config contrib/taishi.yaml --dump-config >"$TMP/dump" 2>"$TMP/err"; rc=$?
expect "contrib/taishi.yaml loads ($(head -1 "$TMP/err"))" [ $rc -eq 0 ] && [ -s "$TMP/dump" ]
"$T" --dump-config >"$TMP/defaults"
expect "contrib/taishi.yaml: every key, each commented" python3 -c 'import sys, yaml
def leaves(d, p=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from leaves(v, p + str(k) + ".")
        else:
            yield p + str(k)
want = set(leaves(yaml.safe_load(open(sys.argv[1]))))
text = open(sys.argv[2]).read()
have = set(leaves(yaml.safe_load(text)))
assert want == have, ("missing", sorted(want - have), "unknown", sorted(have - want))
# Every key of depth 1 or 2 has its own comment right above it; deeper
# ones (kafka topics, flow timeouts, decoder ports) may share the comment of their group.
lines = text.split("\n")
for i, l in enumerate(lines):
    t = l.strip()
    if not t or t.startswith("#") or t.endswith(":"):
        continue
    depth = (len(l) - len(l.lstrip())) // 2 + 1
    prev = lines[i - 1].strip() if i else ""
    if depth <= 2:
        assert prev.startswith("#"), "line %d has no comment right above it: %s" % (i + 1, l)
' "$TMP/defaults" contrib/taishi.yaml

groff -man -Tutf8 -ww -z contrib/taishi.8 >"$TMP/groff" 2>&1; rc=$?
expect "taishi.8: groff renders it without warnings: $(head -2 "$TMP/groff")" [ $rc -eq 0 ] && [ ! -s "$TMP/groff" ]
MANWIDTH=80 man --warnings -l contrib/taishi.8 >"$TMP/man" 2>"$TMP/manerr"
expect "taishi.8: man -l without warnings: $(head -2 "$TMP/manerr")" [ ! -s "$TMP/manerr" ] && grep -q "PACKET_FANOUT" "$TMP/man"

sed "s|@BINDIR@|$PWD/$B|; s|@SYSCONFDIR@|$PWD/contrib/etc|" contrib/taishi.service >"$TMP/taishi.service"
systemd-analyze verify "$TMP/taishi.service" 2>&1 | grep -v "man taishi(8)" >"$TMP/verify"
expect "taishi.service: systemd-analyze verify finds nothing: $(head -2 "$TMP/verify")" [ ! -s "$TMP/verify" ]
for d in "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN" "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN" \
         "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" "NoNewPrivileges=yes" \
         "ReadWritePaths=/var/lib/taishi /var/log/taishi" 'ExecReload=/bin/kill -HUP $MAINPID' "User=taishi"; do
    expect "taishi.service: $d" grep -qxF "$d" contrib/taishi.service
done
sed 's/create 0640 taishi taishi/create 0640 root root/' contrib/taishi.logrotate >"$TMP/lr"
logrotate -d -s "$TMP/lr.state" "$TMP/lr" >"$TMP/lrout" 2>&1; rc=$?
expect "taishi.logrotate: parses ($(grep -m1 -i error "$TMP/lrout"))" [ $rc -eq 0 ] && absent -i "error" "$TMP/lrout" && grep -q "rotating pattern: /var/log/taishi/\*.json" "$TMP/lrout"
expect "taishi.logrotate: HUPs the service after rotating" grep -q "signal=HUP taishi.service" contrib/taishi.logrotate

D=$TMP/root
make -s install DESTDIR="$D" O="$B" >"$TMP/inst" 2>&1; rc=$?
expect "make install DESTDIR: exit 0 ($(tail -1 "$TMP/inst"))" [ $rc -eq 0 ]
for f in usr/local/bin/taishi usr/local/share/man/man8/taishi.8 usr/local/etc/taishi/taishi.yaml \
         usr/local/share/doc/taishi/taishi.yaml usr/local/etc/logrotate.d/taishi \
         usr/local/lib/systemd/system/taishi.service; do
    expect "make install: $f" [ -s "$D/$f" ]
done
expect "make install: the binary runs" grep -q "^taishi " <("$D/usr/local/bin/taishi" --version)
expect "make install: the unit names the installed paths" \
    grep -qxF 'ExecStart=/usr/local/bin/taishi -c /usr/local/etc/taishi/taishi.yaml $TAISHI_ARGS' \
    "$D/usr/local/lib/systemd/system/taishi.service"
expect "make install: no @PLACEHOLDER@ left" absent "@[A-Z]*@" "$D/usr/local/lib/systemd/system/taishi.service"
echo "sensor-id: edited" >"$D/usr/local/etc/taishi/taishi.yaml"
make -s install DESTDIR="$D" O="$B" >/dev/null 2>&1
expect "make install: an existing taishi.yaml is kept" grep -qx "sensor-id: edited" "$D/usr/local/etc/taishi/taishi.yaml"
make -s install DESTDIR="$TMP/usr" PREFIX=/usr O="$B" >/dev/null 2>&1
expect "make install PREFIX=/usr: /usr/bin, /etc, /lib/systemd" \
    [ -x "$TMP/usr/usr/bin/taishi" ] && [ -s "$TMP/usr/etc/taishi/taishi.yaml" ] && [ -s "$TMP/usr/lib/systemd/system/taishi.service" ]
make -s uninstall DESTDIR="$D" O="$B" >/dev/null 2>&1
expect "make uninstall: the binary and unit are gone" [ ! -e "$D/usr/local/bin/taishi" ] && [ ! -e "$D/usr/local/lib/systemd/system/taishi.service" ]
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
