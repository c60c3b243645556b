#!/bin/sh
# install-deps.sh - install the Debian 12 packages taishi needs to build,
# test and benchmark. Does nothing when they are all there already; as a
# non-root user it prints the apt-get command instead.
set -e
PKGS="build-essential pkg-config libpcap-dev libndpi-dev libndpi-bin libyaml-dev
      libhyperscan-dev librdkafka-dev libmaxminddb-dev libpcre2-dev zlib1g-dev
      clang python3 python3-yaml bc kcat tcpreplay tshark logrotate"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "taishi: missing packages:$missing" >&2
    echo "run as root: apt-get install -y$missing" >&2
    exit 1
fi
echo "taishi: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
