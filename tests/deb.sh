#!/bin/bash
# deb.sh DEB_DIR - the host's package (make deb: DEB_DIR/taishi_<v>_<arch>.deb)
# in a throw-away Debian 12 root, the way an operator uses it:
#   - a fresh root (tests/tools/root.sh: the cached debootstrap base, unpacked
#     anew under build/roots/deb-test) and apt-get install ./taishi.deb, which
#     must find every dependency from the package's Depends alone;
#   - the taishi system user, its directories (owner, mode), the conffiles,
#     --version, the man page, lintian on the package (when installed);
#   - the service live on a veth pair in a network namespace, started as
#     taishi.service starts it. systemd is not PID 1 here (no systemd in a
#     chroot), so the test does what the unit says by hand: the ExecStart line
#     of the installed unit with /etc/default/taishi's TAISHI_ARGS, as User=
#     and Group=, with the unit's AmbientCapabilities= and
#     CapabilityBoundingSet=, NoNewPrivileges= and UMask= (setpriv). The
#     unit's file-system sandbox (ProtectSystem=, PrivateTmp=, ...) is not
#     reproduced; tests/install.sh runs systemd-analyze verify on the unit;
#   - tcpreplay sends pcaps/demo.pcap; the events in /var/log/taishi/eve.json
#     (written as the taishi user), the final stats event with its version
#     object; SIGTERM ends it with exit 0;
#   - a conffile changed by the operator survives remove and reinstall;
#     remove keeps conffiles, user and data; purge removes all of them.
# Needs root, debootstrap, tcpreplay, iproute2 (network namespaces).
# Ends with "N passed, M failed, K skipped"; exit 1 when anything failed.
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL [deb]: $*"; }
expect() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }
skip_all() { echo "SKIP [deb]: $*"; skip=$((skip + 1)); finish; }

[ "$(id -u)" -eq 0 ] || skip_all "needs root (a chroot, network namespaces)"
command -v debootstrap >/dev/null || skip_all "needs debootstrap"
command -v tcpreplay >/dev/null || skip_all "needs tcpreplay"
A=$(dpkg --print-architecture)
DEB=$(ls "${1:-build/deb}"/taishi_*_"$A".deb 2>/dev/null | tail -1)
[ -n "$DEB" ] || { bad "no package in ${1:-build/deb} (make deb)"; finish; }
V=$(dpkg-deb -f "$DEB" Version)

RR=$PWD/build/roots/deb-test
NS=taishi-deb-$$ S=tdeb$$s P=tdeb$$p
TMP=$(mktemp -d)
SPID=""
cleanup() {
    [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP" "$RR"
}
trap cleanup EXIT
inroot() { tests/tools/root.sh run "$RR" "$@"; }
# the pid of the sensor running from this root (host's view): exactly its binary
sensor_pid() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/exe" 2>/dev/null)" = "$RR/usr/sbin/taishi" ] && { echo "${p#/proc/}"; return 0; }
    done
    return 1
}
rexists() { [ -e "$RR$1" ]; }
rabsent() { [ ! -e "$RR$1" ] && [ ! -L "$RR$1" ]; }

# --- install ---------------------------------------------------------------
tests/tools/root.sh fresh "$A" "$RR" || { bad "no fresh root"; finish; }
cp "$DEB" "$RR/root/"
d=/root/$(basename "$DEB")
inroot apt-get update -qq >"$TMP/apt" 2>&1
inroot apt-get install -y -qq "$d" >>"$TMP/apt" 2>&1
expect "apt-get install ./$(basename "$DEB") with its Depends from the archive: $(tail -3 "$TMP/apt")" \
    grep -q "^install ok installed" <(inroot dpkg-query -W -f='${Status}\n' taishi)
pw=$(inroot getent passwd taishi)
uid=$(echo "$pw" | cut -d: -f3)
expect "the taishi user exists, a system user ($pw)" test -n "$uid" -a "${uid:-9999}" -lt 1000
expect "the taishi user has no login shell ($pw)" [ "$(echo "$pw" | cut -d: -f7)" = /usr/sbin/nologin ]
expect "the taishi group exists" test -n "$(inroot getent group taishi)"
for dir in /var/lib/taishi /var/lib/taishi/spool /var/cache/taishi /var/log/taishi; do
    o=$(inroot stat -c '%U:%G %a' "$dir" 2>/dev/null)
    expect "$dir: taishi:taishi 750 ($o)" [ "$o" = "taishi:taishi 750" ]
done
cf=$(inroot dpkg-query -W -f='${Conffiles}\n' taishi)
for f in /etc/taishi/taishi.yaml /etc/default/taishi /etc/logrotate.d/taishi; do
    expect "$f is a conffile" grep -q "^ $f " <<<"$cf"
done
inroot /usr/sbin/taishi --version >"$TMP/version" 2>&1
expect "taishi --version: version $V and a commit ($(head -1 "$TMP/version"))" grep -q "^taishi $V (commit [0-9a-f]" "$TMP/version"
for lib in nDPI Hyperscan librdkafka libmaxminddb PCRE2; do
    expect "taishi --version names the $lib it runs with" grep -qE "^(Vectorscan|$lib) [0-9]" "$TMP/version"
done
expect "the man page is installed" rexists /usr/share/man/man8/taishi.8.gz
expect "the unit is installed" rexists /lib/systemd/system/taishi.service
expect "the unit is not enabled at install" rabsent /etc/systemd/system/multi-user.target.wants/taishi.service
if command -v lintian >/dev/null; then
    lintian -EvIL +pedantic --tag-display-limit 0 "$DEB" >"$TMP/lintian" 2>&1
    grep -v "root privileges" "$TMP/lintian" >"$TMP/tags"
    expect "lintian: no tag ($(head -3 "$TMP/tags"))" [ ! -s "$TMP/tags" ]
else
    echo "SKIP [deb]: lintian not installed"; skip=$((skip + 1))
fi

# --- the service, live -------------------------------------------------------
U=$RR/lib/systemd/system/taishi.service
unit() { sed -n "s/^$1=//p" "$U" | tail -1; }
exec_start=$(unit ExecStart) user=$(unit User) group=$(unit Group)
caps=$(unit AmbientCapabilities | tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_/+/p' | paste -sd, -)
bset=$(unit CapabilityBoundingSet | tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_/+/p' | paste -sd, -)
umask_=$(unit UMask) nnp=$(unit NoNewPrivileges)
expect "the unit runs the sensor as taishi:taishi ($user:$group) with capabilities ($caps)" \
    test "$user:$group" = taishi:taishi -a -n "$caps"
ip netns add "$NS" || skip_all "cannot create a network namespace"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip link add "$S" type veth peer name "$P" &&
    ip netns exec "$NS" ip link set "$S" up && ip netns exec "$NS" ip link set "$P" up ||
    skip_all "cannot create a veth pair in the namespace"
# the operator's part: the interface in /etc/default/taishi
sed -i "s/^TAISHI_ARGS=.*/TAISHI_ARGS=\"-i $S -w 1\"/" "$RR/etc/default/taishi"
nnp_opt=""; [ "$nnp" = yes ] && nnp_opt=--no-new-privs
: >"$TMP/svc.err"
# systemd's part, by hand: EnvironmentFile, User/Group, capabilities, umask, ExecStart
ip netns exec "$NS" tests/tools/root.sh run "$RR" /bin/sh -c "
    set -a; . /etc/default/taishi; set +a
    umask ${umask_:-0022}
    exec setpriv --reuid=$user --regid=$group --init-groups $nnp_opt \
        --inh-caps=-all,$caps --ambient-caps=-all,$caps --bounding-set=-all,$bset \
        $exec_start" >"$TMP/svc.out" 2>"$TMP/svc.err" &
WRAP=$!
for _ in $(seq 100); do
    grep -q "capturing on" "$TMP/svc.err" && break
    kill -0 "$WRAP" 2>/dev/null || break
    sleep 0.1
done
SPID=$(sensor_pid)
expect "the service starts and captures on $S ($(head -3 "$TMP/svc.err"))" grep -q "capturing on" "$TMP/svc.err"
if [ -n "$SPID" ]; then
    st=/proc/$SPID/status
    expect "the sensor runs as uid $uid ($(grep '^Uid' "$st"))" [ "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "$st")" = "$uid$uid$uid$uid" ]
    expect "the sensor keeps no capability but CAP_NET_RAW ($(grep '^CapEff' "$st"))" \
        [ "$(awk '/^CapEff:/ { print $2 }' "$st")" = 0000000000002000 ]
    ip netns exec "$NS" tcpreplay -q -i "$P" pcaps/demo.pcap >"$TMP/replay" 2>&1
    expect "tcpreplay sent pcaps/demo.pcap" grep -q "Successful packets" "$TMP/replay"
    sleep 1.5
    kill -TERM "$SPID"
fi
for _ in $(seq 100); do kill -0 "$WRAP" 2>/dev/null || break; sleep 0.1; done
wait "$WRAP"; src=$?; SPID=""
expect "SIGTERM: the service exits 0 ($src; $(tail -2 "$TMP/svc.err"))" [ "$src" -eq 0 ]
E=$RR/var/log/taishi/eve.json
expect "events in /var/log/taishi/eve.json, written as taishi" \
    test -s "$E" -a "$(inroot stat -c %U /var/log/taishi/eve.json 2>/dev/null)" = taishi
python3 - "$E" "$V" >"$TMP/ev" 2>&1 <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
flows = [e for e in ev if e["event_type"] == "flow"]
assert len(flows) >= 5, "flow events: %d" % len(flows)
assert any(e["event_type"] == "alert" for e in ev) or any(e["event_type"] in ("http", "dns", "tls") for e in ev), "no app event"
st = [e for e in ev if e["event_type"] == "stats"][-1]["stats"]
assert st["capture"]["packets"] >= 50, st["capture"]
v = st["version"]
assert v["taishi"] == sys.argv[2] and v["hs_engine"] in ("hyperscan", "vectorscan"), v
for k in ("commit", "ndpi", "hs", "rdkafka", "maxminddb", "pcre2"):
    assert v[k] and v[k] != "unknown", (k, v)
print("%d events, %d flows, stats.version %s" % (len(ev), len(flows), v))
PY
expect "the events: flows, app events, the final stats with its version object ($(tail -1 "$TMP/ev"))" grep -q "^[0-9]* events" "$TMP/ev"
echo "deb: $(tail -1 "$TMP/ev")"
python3 - "$E" "$TMP/version" <<'PY' >"$TMP/vcmp" 2>&1
import json, sys
v = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"stats"' in l][-1]["stats"]["version"]
t = open(sys.argv[2]).read()
for k in ("ndpi", "hs", "rdkafka", "maxminddb", "pcre2", "commit"):
    assert v[k] in t, (k, v[k])
PY
expect "the stats event's versions are --version's ($(tail -1 "$TMP/vcmp"))" [ ! -s "$TMP/vcmp" ]

# --- remove, reinstall, purge ---------------------------------------------------
echo "# changed by the operator" >>"$RR/etc/taishi/taishi.yaml"
inroot apt-get remove -y -qq taishi >"$TMP/apt" 2>&1
expect "remove: the binary is gone" rabsent /usr/sbin/taishi
expect "remove: the package keeps its conffiles (config-files)" \
    grep -q "deinstall ok config-files" <(inroot dpkg-query -W -f='${Status}\n' taishi)
expect "remove: the changed taishi.yaml stays" grep -q "changed by the operator" "$RR/etc/taishi/taishi.yaml"
expect "remove: the user stays" test -n "$(inroot getent passwd taishi)"
expect "remove: the events stay" [ -s "$E" ]
inroot dpkg -i "$d" >"$TMP/dpkg" 2>&1 </dev/null
expect "reinstall: installed again ($(tail -2 "$TMP/dpkg"))" \
    grep -q "^install ok installed" <(inroot dpkg-query -W -f='${Status}\n' taishi)
expect "reinstall: the operator's taishi.yaml kept" grep -q "changed by the operator" "$RR/etc/taishi/taishi.yaml"
expect "reinstall: the same taishi user ($uid)" [ "$(inroot getent passwd taishi | cut -d: -f3)" = "$uid" ]
inroot apt-get purge -y -qq taishi >"$TMP/apt" 2>&1
expect "purge: the package is gone ($(tail -2 "$TMP/apt"))" \
    [ -z "$(inroot dpkg-query -W -f='${Status}' taishi 2>/dev/null | grep -v not-installed)" ]
for f in /etc/taishi /etc/default/taishi /etc/logrotate.d/taishi /var/lib/taishi /var/cache/taishi \
         /var/log/taishi /usr/sbin/taishi /lib/systemd/system/taishi.service; do
    expect "purge: $f is gone" rabsent "$f"
done
expect "purge: the taishi user is gone" [ -z "$(inroot getent passwd taishi)" ]
expect "purge: the taishi group is gone" [ -z "$(inroot getent group taishi)" ]
finish
