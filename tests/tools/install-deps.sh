#!/bin/sh
# install-deps.sh [--runtime] - install the Debian 12 packages taishi needs.
#   --runtime   only what the sensor needs to build and run (make demo):
#               the compiler and the libraries' -dev packages;
#   (default)   that, and what the tests, the CI and the benchmarks use
#               (make deps, make test, .ci/run): Suricata (the reference),
#               Prometheus (the metrics test), tcpreplay, tshark, kcat,
#               clang (fuzzing), ndpiReader, python3, debootstrap and
#               lintian (the package test's throw-away root) and the rest.
#   --print-runtime   print the --runtime list and exit (the throw-away roots
#               of make test-arm64 / test-vectorscan install it there).
# Does nothing when they are all there already; as a non-root user it
# prints the apt-get command instead.
#
# Suricata 7.0.10 (the reference the rule engine is checked against, see
# tests/tools/suricata_run.sh) comes from bookworm-backports: the suite is
# added on the mirror the machine's Debian sources already use, only when it
# is missing, and only when suricata >= 7.0.10 is not installed. Suricata is
# never started as a service: policy-rc.d refuses starts during the install,
# suricata.service is masked before and after, the SysV links are disabled.
# Prometheus (the metrics test starts its own, as a child process) is
# installed the same way: never started as a service.
set -e
RUNTIME_PKGS="build-essential pkg-config libpcap-dev libndpi-dev libyaml-dev libhyperscan-dev
      librdkafka-dev libmaxminddb-dev libpcre2-dev zlib1g-dev libmicrohttpd-dev
      libmagic-dev libmagic-mgc"
TEST_PKGS="libndpi-bin clang python3 python3-yaml bc kcat tcpreplay tshark logrotate iproute2
      prometheus debootstrap lintian"
NO_SERVICE="prometheus"                 # packages whose service must never start
SURICATA_MIN=7.0.10
case ${1:-} in
    --print-runtime) echo $RUNTIME_PKGS; exit 0 ;;
    --runtime) PKGS=$RUNTIME_PKGS ;;
    "") PKGS="$RUNTIME_PKGS $TEST_PKGS" ;;
    *) echo "usage: $0 [--runtime]" >&2; exit 1 ;;
esac
BPO_FILE=/etc/apt/sources.list.d/taishi-bookworm-backports.sources

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
need_suricata=1
[ "${1:-}" = --runtime ] && need_suricata=0
[ $need_suricata = 1 ] && v=$(dpkg-query -W -f='${Status} ${Version}' suricata 2>/dev/null || true)
case ${v:-} in
    *"ok installed"*) dpkg --compare-versions "$(echo "$v" | awk '{print $NF}' | sed 's/^[0-9]*://')" ge "$SURICATA_MIN" && need_suricata=0 ;;
esac
[ -z "$missing" ] && [ $need_suricata = 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    [ -n "$missing" ] && echo "taishi: missing packages:$missing" >&2 && echo "run as root: apt-get install -y$missing" >&2
    [ $need_suricata = 1 ] && echo "taishi: suricata >= $SURICATA_MIN missing; run as root: $0" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# bookworm-backports on the machine's own Debian mirror, unless some source
# already names the suite.
add_backports() {
    if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list.d/*.sources; then
        return 1
    fi
    # The mirror: first URI serving the plain "bookworm" suite (deb822 or
    # one-line format); debian-security is a different archive.
    mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
        /^[ \t]*$/ { if (ok && uri != "") { print uri; exit } ok = 0; uri = ""; next }
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") ok = 1 }
        END { if (ok && uri != "") print uri }' | head -1)
    if [ -z "$mirror" ]; then
        mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk '$1 == "deb" { u = $2; if (u ~ /^\[/) { for (i = 2; i <= NF; i++) if ($i ~ /\]$/) break; u = $(i + 1); s = $(i + 2) } else s = $3
                               if (s == "bookworm") { print u; exit } }')
    fi
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    echo "taishi: adding bookworm-backports from $mirror ($BPO_FILE)" >&2
    cat >"$BPO_FILE" <<EOF
# Added by taishi tests/tools/install-deps.sh: Suricata 7.0.10 (test reference).
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    return 0
}

# No service start for these, now or at boot: their units masked (works
# without a running systemd), invoke-rc.d starts refused while installing
# (policy-rc.d), the SysV links disabled afterwards.
own_policy=0
services_off_begin() {
    mkdir -p /etc/systemd/system
    for sv in "$@"; do ln -sf /dev/null "/etc/systemd/system/$sv.service"; done
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# taishi install-deps.sh: no service starts during the install\nexit 101\n' \
            >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
}
services_off_end() {
    [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
    own_policy=0
    for sv in "$@"; do
        if [ -d /run/systemd/system ]; then
            systemctl disable --now "$sv.service" >/dev/null 2>&1 || true
        fi
        ln -sf /dev/null "/etc/systemd/system/$sv.service"
        rm -f "/etc/systemd/system/multi-user.target.wants/$sv.service"
        update-rc.d "$sv" disable >/dev/null 2>&1 || true
    done
}

updated=0
if [ -n "$missing" ]; then
    echo "taishi: installing$missing" >&2
    # tshark asks whether non-root users may capture; answer no, quietly.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    [ $need_suricata = 1 ] && add_backports || true
    apt-get update -qq
    updated=1
    services_off_begin $NO_SERVICE
    rc=0
    apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
    services_off_end $NO_SERVICE
    [ $rc = 0 ] || exit $rc
fi

if [ $need_suricata = 1 ]; then
    if add_backports || [ $updated = 0 ]; then apt-get update -qq; fi
    services_off_begin suricata
    echo "taishi: installing suricata from bookworm-backports" >&2
    rc=0
    apt-get install -y -qq --no-install-recommends -t bookworm-backports suricata >/dev/null || rc=$?
    # Debian's package enables the unit; a masked unit cannot start anyway
    # (and Debian's /etc/default/suricata also says RUN=no).
    services_off_end suricata
    [ $rc = 0 ] || exit $rc
    suricata -V >&2
fi
