#!/bin/sh
# build-deb.sh BUILD_DIR OUT_DIR [TARGET...] - taishi_<version>_<arch>.deb from
# the sensor built in BUILD_DIR with Debian's hardening flags (dpkg-buildflags);
# TARGETs (e.g. units) are built there too, with the same flags (the arm64
# test runs the unit tests of the very build it packages). The compiler's
# output goes to OUT_DIR/build-<arch>.log.
# Runs where the package is built: on the host for amd64, inside the arm64
# root for arm64 (tests/arm64.sh); needs dpkg-dev (dpkg-shlibdeps,
# dpkg-deb) and binutils, not root (dpkg-deb --root-owner-group).
#
# What goes in (the sources are contrib/ and contrib/debian/):
#   /usr/sbin/taishi (stripped), /usr/share/man/man8/taishi.8.gz,
#   /etc/taishi/taishi.yaml, /etc/default/taishi, /etc/logrotate.d/taishi
#   (conffiles), /lib/systemd/system/taishi.service,
#   /usr/share/doc/taishi/{copyright,changelog.gz}, the lintian overrides
#   (each with its reason);
#   postinst (the taishi user, its directories), prerm, postrm (purge).
# Depends: from the shared libraries the binary links (dpkg-shlibdeps), and
# adduser. On a Hyperscan build the Hyperscan dependency also accepts
# Vectorscan's runtime (libvectorscan5: same soname, libhs.so.5, same API).
set -eu
B=$1 OUT=$2
shift 2
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
V=$(awk 'NR == 1 { gsub(/[()]/, "", $2); print $2 }' contrib/debian/changelog)
A=$(dpkg --print-architecture)
mkdir -p "$OUT"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
R=$W/root

# Debian's build flags (hardening: fortify, stack protector, relro, bindnow);
# BUILD_DIR is theirs alone (make rebuilds a directory whose flags change)
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CF="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LF=$(dpkg-buildflags --get LDFLAGS)
make --no-print-directory -j"${JOBS:-2}" O="$B" CFLAGS="$CF" LDFLAGS="$LF" all "$@" >"$OUT/build-$A.log" 2>&1 || {
    tail -20 "$OUT/build-$A.log" >&2; exit 1; }
make --no-print-directory O="$B" CFLAGS="$CF" LDFLAGS="$LF" PREFIX=/usr BINDIR=/usr/sbin \
    DESTDIR="$R" install >/dev/null
# the examples make install also copies are the conffiles here
rm -f "$R/usr/share/doc/taishi/taishi.yaml" "$R/usr/share/doc/taishi/taishi.logrotate"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$R/usr/sbin/taishi"
gzip -9n "$R/usr/share/man/man8/taishi.8"
install -d "$R/etc/default"
install -m 644 contrib/debian/default "$R/etc/default/taishi"
install -m 644 contrib/debian/copyright "$R/usr/share/doc/taishi/copyright"
install -d "$R/usr/share/lintian/overrides"
install -m 644 contrib/debian/lintian-overrides "$R/usr/share/lintian/overrides/taishi"
gzip -9nc contrib/debian/changelog >"$R/usr/share/doc/taishi/changelog.gz"
chmod 644 "$R/usr/share/doc/taishi/changelog.gz"
find "$R" -type d -exec chmod 755 {} +

# Depends: dpkg-shlibdeps wants a debian/control beside it
mkdir -p "$W/debian"
printf 'Source: taishi\n\nPackage: taishi\nArchitecture: any\n' >"$W/debian/control"
deps=$(cd "$W" && dpkg-shlibdeps -O -e"$R/usr/sbin/taishi" 2>"$W/shlibdeps.err" | sed -n 's/^shlibs:Depends=//p') || {
    cat "$W/shlibdeps.err" >&2; exit 1; }
[ -n "$deps" ] || { echo "build-deb.sh: dpkg-shlibdeps found no dependency" >&2; cat "$W/shlibdeps.err" >&2; exit 1; }
deps=$(echo "$deps" | sed 's/\(libhyperscan5 ([^)]*)\)/\1 | libvectorscan5/')

install -d "$R/DEBIAN"
size=$(du -sk "$R" | cut -f1)
sed -e "s/@VERSION@/$V/" -e "s/@ARCH@/$A/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$deps/" \
    contrib/debian/control >"$R/DEBIAN/control"
for f in conffiles postinst prerm postrm; do
    install -m "$( [ $f = conffiles ] && echo 644 || echo 755)" "contrib/debian/$f" "$R/DEBIAN/$f"
done
(cd "$R" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort |
    xargs md5sum) >"$R/DEBIAN/md5sums"
chmod 644 "$R/DEBIAN/md5sums" "$R/DEBIAN/control"
deb=$OUT/taishi_${V}_$A.deb
dpkg-deb --root-owner-group -Zxz --build "$R" "$deb" >/dev/null
echo "$deb"
