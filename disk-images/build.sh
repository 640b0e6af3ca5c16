#!/usr/bin/env bash
# Builds the guest's root file system image (ext2) from Debian's static busybox, the project's own
# programs (Userspace/bin), the files under rootfs/ and the SSH server. Called by scripts/setup.sh; by
# hand:
#
#   [DROPBEAR_MULTI=F SSH_HOST_KEYS=DIR AUTHORIZED_KEYS=F] bash disk-images/build.sh BUSYBOX_DEB OUTPUT.img [SIZE_MIB]
#
# The SSH server (the set-up gives all three; without DROPBEAR_MULTI the image has none):
#   DROPBEAR_MULTI   the static dropbearmulti (Userspace/dropbear/build.sh): /usr/sbin/dropbearmulti,
#                    with /usr/sbin/dropbear and /usr/bin/{dropbearkey,dropbearconvert,dbclient,scp}
#   SSH_HOST_KEYS    a folder with dropbear_{ed25519,ecdsa,rsa}_host_key (dropbear's format): /etc/dropbear/
#   AUTHORIZED_KEYS  root's /root/.ssh/authorized_keys
# /etc/init.d/rcS starts dropbear when the machine has a network interface.
# DOOM (the set-up gives both; without them the image has none):
#   DOOM_BINARY      the static chocolate-doom (Userspace/doom/build.sh): /usr/games/chocolate-doom, with
#                    /usr/bin/doom (disk-images/doom.sh) starting it on Freedoom: Phase 1
#   FREEDOOM_DEB     Debian's freedoom package: its WADs in /usr/share/games/doom/ (where chocolate-doom
#                    looks for IWADs) and its copyright notice in /usr/share/doc/freedoom/
#
# Reproducible: the same inputs give the same image, byte for byte (fixed UUID, hash seed, creation
# time and file times; entries added in sorted order).
set -euo pipefail
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
die() { echo "disk-images/build.sh: error: $*" >&2; exit 1; }
# shellcheck source=ext2-image.sh
source "$here/ext2-image.sh"

(($# >= 2)) || die "usage: build.sh BUSYBOX_DEB OUTPUT.img [SIZE_MIB]"
busybox_deb=$1
output=$2
size_mib=${3:-256}
[[ -f "$busybox_deb" ]] || die "busybox package not found: $busybox_deb"
[[ -x "$repo/Userspace/bin/init" ]] || die "Userspace/bin is not built (run: bash Userspace/build.sh)"
command -v mke2fs >/dev/null || die "mke2fs not found (Debian package e2fsprogs)"
command -v qemu-aarch64-static >/dev/null || die "qemu-aarch64-static not found (Debian package qemu-user-static)"

# Every time stamp in the image: the newest input's commit time would tie the image to git; a fixed
# instant keeps it independent of when and where it is built.
epoch=${SOURCE_DATE_EPOCH:-1764979200}   # 2025-12-06T00:00:00Z
uuid=5f1b6c2e-9d3a-4e7b-8c11-0a5e2d7f4b90
hash_seed=3c0e8a52-1f6d-4b2a-9e47-d85a61c0b7f3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
mkdir -p "$tmp/pkg" "$root"

# --- busybox and its applets ---
dpkg -x "$busybox_deb" "$tmp/pkg"
install -D -m 755 "$tmp/pkg/bin/busybox" "$root/bin/busybox"
# The applet list comes from the pinned binary itself (run under qemu-user), so it always matches.
qemu-aarch64-static "$root/bin/busybox" --list-full | LC_ALL=C sort >"$tmp/applets"
[[ -s "$tmp/applets" ]] || die "busybox listed no applets"
while read -r applet; do
  [[ "$applet" == bin/busybox ]] && continue
  mkdir -p "$root/$(dirname "$applet")"
  # Relative links, as busybox --install -s would make them absolute: relative ones also work when the
  # image is mounted on the host.
  rel=$(realpath -m --relative-to="$root/$(dirname "$applet")" "$root/bin/busybox")
  ln -sfn "$rel" "$root/$applet"
done <"$tmp/applets"

# --- the project's programs ---
install_project_programs "$root" "$repo"

# --- /etc and the rest of the tree ---
cp -r "$here/rootfs/." "$root/"
# Modes from the recipe, not from the checkout's umask.
find "$root/etc" -type d -exec chmod 755 {} +
find "$root/etc" -type f -exec chmod 644 {} +
mkdir -p "$root"/{dev,proc,sys,tmp,run,mnt,root,home,var/log,var/tmp}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 700 "$root/root"
chmod 755 "$root/etc/init.d/rcS"
chmod 600 "$root/etc/shadow"
chmod 755 "$root/usr/share/udhcpc/default.script"
# DNS servers come from DHCP at each boot: resolv.conf lives on the /run tmpfs, not on the disk.
ln -sfn ../run/resolv.conf "$root/etc/resolv.conf"

# --- the SSH server ---
if [[ -n "${DROPBEAR_MULTI:-}" ]]; then
  [[ -f "$DROPBEAR_MULTI" ]] || die "DROPBEAR_MULTI: $DROPBEAR_MULTI not found"
  [[ -f "${AUTHORIZED_KEYS:-}" ]] || die "AUTHORIZED_KEYS: root's authorized_keys file not found (${AUTHORIZED_KEYS:-not set})"
  install -D -m 755 "$DROPBEAR_MULTI" "$root/usr/sbin/dropbearmulti"
  ln -sfn dropbearmulti "$root/usr/sbin/dropbear"
  for prog in dropbearkey dropbearconvert dbclient scp; do
    ln -sfn ../sbin/dropbearmulti "$root/usr/bin/$prog"
  done
  mkdir -p -m 700 "$root/etc/dropbear"
  for type in ed25519 ecdsa rsa; do
    key="${SSH_HOST_KEYS:-}/dropbear_${type}_host_key"
    [[ -f "$key" ]] || die "SSH_HOST_KEYS: $key not found"
    install -m 600 "$key" "$root/etc/dropbear/"
  done
  mkdir -p -m 700 "$root/root/.ssh"
  install -m 600 "$AUTHORIZED_KEYS" "$root/root/.ssh/authorized_keys"
fi

# --- DOOM ---
if [[ -n "${DOOM_BINARY:-}" ]]; then
  [[ -x "$DOOM_BINARY" ]] || die "DOOM_BINARY: $DOOM_BINARY not found"
  [[ -f "${FREEDOOM_DEB:-}" ]] || die "FREEDOOM_DEB: the freedoom package not found (${FREEDOOM_DEB:-not set})"
  install -D -m 755 "$DOOM_BINARY" "$root/usr/games/chocolate-doom"
  install -D -m 755 "$here/doom.sh" "$root/usr/bin/doom"
  dpkg-deb -x "$FREEDOOM_DEB" "$tmp/freedoom"
  for wad in freedoom1.wad freedoom2.wad; do
    [[ -f "$tmp/freedoom/usr/share/games/doom/$wad" ]] || die "$wad not found in $FREEDOOM_DEB"
    install -D -m 644 "$tmp/freedoom/usr/share/games/doom/$wad" "$root/usr/share/games/doom/$wad"
  done
  install -D -m 644 "$tmp/freedoom/usr/share/doc/freedoom/copyright" "$root/usr/share/doc/freedoom/copyright"
fi

make_ext2_image "$root" "$output" "$size_mib" rootfs "$uuid" "$hash_seed" "$epoch"
