#!/bin/sh
# install-deps.sh - install the Debian 12 packages taishi needs to build,
# test and benchmark. Does nothing when they are all there already; as a
# non-root user it prints the apt-get command instead.
#
# Suricata 7.0.10 (the reference the rule engine is checked against, see
# tests/tools/suricata_run.sh) comes from bookworm-backports: the suite is
# added on the mirror the machine's Debian sources already use, only when it
# is missing, and only when suricata >= 7.0.10 is not installed. Suricata is
# never started as a service: policy-rc.d refuses starts during the install,
# suricata.service is masked before and after, the SysV links are disabled.
set -e
PKGS="build-essential pkg-config libpcap-dev libndpi-dev libndpi-bin libyaml-dev
      libhyperscan-dev librdkafka-dev libmaxminddb-dev libpcre2-dev zlib1g-dev
      clang python3 python3-yaml bc kcat tcpreplay tshark logrotate"
SURICATA_MIN=7.0.10
BPO_FILE=/etc/apt/sources.list.d/taishi-bookworm-backports.sources

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
need_suricata=1
v=$(dpkg-query -W -f='${Status} ${Version}' suricata 2>/dev/null || true)
case $v in
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

updated=0
if [ -n "$missing" ]; then
    echo "taishi: installing$missing" >&2
    # tshark asks whether non-root users may capture; answer no, quietly.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    [ $need_suricata = 1 ] && add_backports || true
    apt-get update -qq
    updated=1
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ $need_suricata = 1 ]; then
    if add_backports || [ $updated = 0 ]; then apt-get update -qq; fi
    # No service start, now or at boot: mask the unit (works without a
    # running systemd) and refuse invoke-rc.d starts while installing.
    mkdir -p /etc/systemd/system
    ln -sf /dev/null /etc/systemd/system/suricata.service
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# taishi install-deps.sh: no service starts during the install\nexit 101\n' \
            >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    echo "taishi: installing suricata from bookworm-backports" >&2
    rc=0
    apt-get install -y -qq --no-install-recommends -t bookworm-backports suricata >/dev/null || rc=$?
    [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
    [ $rc = 0 ] || exit $rc
    # Debian's package enables the unit; a masked unit cannot start anyway.
    if [ -d /run/systemd/system ]; then
        systemctl disable --now suricata.service >/dev/null 2>&1 || true
    fi
    ln -sf /dev/null /etc/systemd/system/suricata.service
    rm -f /etc/systemd/system/multi-user.target.wants/suricata.service
    # ... and no SysV start links either (Debian's /etc/default/suricata
    # also says RUN=no).
    update-rc.d suricata disable >/dev/null 2>&1 || true
    suricata -V >&2
fi
