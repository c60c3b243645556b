#!/bin/sh
# root.sh - throw-away Debian 12 roots under build/roots/, cached.
#   root.sh make ARCH DIR [PKG...]   a bookworm root for ARCH (amd64, arm64) at DIR
#                                    with PKG installed; reused when it is there
#   root.sh run DIR CMD...           CMD inside DIR (chroot, own mount and pid
#                                    namespaces: /proc, /dev, /sys, /run mounted
#                                    there and gone when CMD ends)
#   root.sh fresh ARCH DIR           DIR afresh from the cached base (no extra package)
#
# The base (debootstrap --variant=minbase, with the sources of the mirror the
# host uses, bookworm-updates and security) is made once per ARCH and kept as
# build/roots/base-ARCH.tar; a root is the base unpacked plus apt-get install.
# A foreign ARCH is made with debootstrap --foreign and finished inside the
# root through qemu-user-static: that needs binfmt_misc with the kernel's
# F (fix-binary) flag, which Debian's qemu-user-static registers; the script
# mounts binfmt_misc and enables the entry when they are missing, and stops
# with a clear message when the kernel refuses (a container without the
# privilege). Needs root, debootstrap, and for arm64 qemu-user-static and
# binfmt-support.
# No service starts inside a root: usr/sbin/policy-rc.d refuses them.
set -eu
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=${SECURITY:-http://deb.debian.org/debian-security}
here=$(cd "$(dirname "$0")/../.." && pwd)
ROOTS=${ROOTS:-$here/build/roots}
log() { echo "root.sh: $*" >&2; }

host_arch=$(dpkg --print-architecture)

binfmt_ready() {            # $1 = arch
    [ "$1" = "$host_arch" ] && return 0
    q=qemu-$(case $1 in arm64) echo aarch64 ;; *) echo "$1" ;; esac)
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || {
            log "binfmt_misc cannot be mounted here: foreign roots need it"; return 1; }
    fi
    [ -e /proc/sys/fs/binfmt_misc/$q ] || update-binfmts --enable "$q" >/dev/null 2>&1 || true
    grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/$q 2>/dev/null || {
        log "no binfmt entry $q with the F flag (install qemu-user-static binfmt-support)"; return 1; }
}

# run DIR CMD...: chroot in private mount and pid namespaces.
run() {
    d=$1; shift
    unshare --mount --pid --fork --kill-child --propagation private sh -c '
        d=$1; shift
        mount -t proc proc "$d/proc"
        mount --rbind /dev "$d/dev"
        mount --rbind /sys "$d/sys"
        mount -t tmpfs tmpfs "$d/run"
        mount -t tmpfs tmpfs "$d/tmp"
        exec chroot "$d" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
            LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' sh "$d" "$@"
}

base() {                    # $1 = arch: build/roots/base-ARCH.tar
    a=$1 tar=$ROOTS/base-$1.tar
    [ -s "$tar" ] && return 0
    binfmt_ready "$a"
    t=$ROOTS/.base-$a.tmp
    rm -rf "$t"; mkdir -p "$t"
    log "debootstrap $a (once; kept as $tar)"
    if [ "$a" = "$host_arch" ]; then
        debootstrap --variant=minbase --arch "$a" bookworm "$t" "$MIRROR" >"$ROOTS/debootstrap-$a.log" 2>&1
    else
        debootstrap --foreign --variant=minbase --arch "$a" bookworm "$t" "$MIRROR" >"$ROOTS/debootstrap-$a.log" 2>&1
        chroot "$t" /debootstrap/debootstrap --second-stage >>"$ROOTS/debootstrap-$a.log" 2>&1
    fi || { log "debootstrap failed, see $ROOTS/debootstrap-$a.log"; tail -5 "$ROOTS/debootstrap-$a.log" >&2; exit 1; }
    cat >"$t/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY bookworm-security main
SRC
    printf '#!/bin/sh\nexit 101\n' >"$t/usr/sbin/policy-rc.d"; chmod 755 "$t/usr/sbin/policy-rc.d"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$t/etc/apt/apt.conf.d/90taishi"
    cp /etc/resolv.conf "$t/etc/resolv.conf" 2>/dev/null || true
    run "$t" apt-get update -qq
    run "$t" apt-get -y -qq dist-upgrade >/dev/null
    run "$t" apt-get clean
    tar -C "$t" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$t"
}

fresh() {                   # $1 = arch, $2 = dir
    base "$1"
    rm -rf "$2"; mkdir -p "$2"
    tar -C "$2" -xf "$ROOTS/base-$1.tar"
    cp /etc/resolv.conf "$2/etc/resolv.conf" 2>/dev/null || true
}

make_root() {               # $1 = arch, $2 = dir, packages...
    a=$1 d=$2; shift 2
    want="bookworm $a $*"
    if [ -f "$d/.taishi-root" ] && [ "$(cat "$d/.taishi-root")" = "$want" ]; then
        binfmt_ready "$a"; return 0
    fi
    [ -f "$d/.taishi-root" ] || fresh "$a" "$d"
    binfmt_ready "$a"
    cp /etc/resolv.conf "$d/etc/resolv.conf" 2>/dev/null || true
    log "installing into $d: $*"
    run "$d" apt-get update -qq
    run "$d" apt-get install -y -qq "$@" >"$d.apt.log" 2>&1 || {
        log "apt-get install failed in $d, see $d.apt.log"; tail -5 "$d.apt.log" >&2; exit 1; }
    run "$d" apt-get clean
    echo "$want" >"$d/.taishi-root"
}

mkdir -p "$ROOTS"
cmd=${1:-}; [ $# -gt 0 ] && shift
case $cmd in
    make) make_root "$@" ;;
    fresh) fresh "$@" ;;
    run) run "$@" ;;
    *) echo "usage: $0 make ARCH DIR [PKG...] | fresh ARCH DIR | run DIR CMD..." >&2; exit 1 ;;
esac
