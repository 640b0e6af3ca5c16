#!/usr/bin/env bash
# Builds the Debian image: a root file system (ext2) with Debian bookworm's own arm64 userland (bash,
# coreutils, grep, sed, gawk, findutils, tar, gzip, less, procps, python3.11 with its standard library
# and every shared library they need), the packages of disk-images/debian-packages.txt unpacked as
# dpkg-deb unpacks them (no package scripts run), with Debian's static busybox as init only. Called by
# scripts/setup.sh; by hand:
#
#   bash disk-images/build-debian.sh BUSYBOX_DEB DEB_FOLDER OUTPUT.img [SIZE_MIB]
#
# DEB_FOLDER holds the .deb of every name=version in debian-packages.txt under Debian's file name
# (NAME_VERSION_ARCH.deb, the epoch's colon as %3a), as apt-get download saves them.
#
# The layout is a bookworm system's: merged /usr (/bin, /sbin and /lib are links into /usr, which is
# what a bookworm installation has even though its packages still ship /bin and /lib), root's login
# shell /bin/bash, /bin/sh -> bash (the image has no dash), /etc/ld.so.cache made by the image's own
# ldconfig (run under qemu-aarch64-static). What package scripts would have made is made here: the
# files of debian-rootfs/ (passwd, group, shadow, shells, profile, nsswitch.conf...) and root's
# .bashrc/.profile from base-files. Manual pages, info, translations and documentation other than the
# copyright files are left out (as Debian's minimal images leave them out).
#
# Init is busybox's (Debian has none without systemd): /sbin/init, /sbin/poweroff, /sbin/reboot and
# /sbin/halt, with every applet linked in /usr/lib/busybox/ (not in PATH: Debian's programs are what a
# user runs; /etc/init.d/rcS takes mount and hostname from there). The project's programs
# (Userspace/bin) are in /usr/local/bin as on the busybox image.
#
# Reproducible: the same inputs give the same image, byte for byte (fixed UUID, hash seed, creation
# time and file times).
set -euo pipefail
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
die() { echo "disk-images/build-debian.sh: error: $*" >&2; exit 1; }
# shellcheck source=ext2-image.sh
source "$here/ext2-image.sh"

(($# >= 3)) || die "usage: build-debian.sh BUSYBOX_DEB DEB_FOLDER OUTPUT.img [SIZE_MIB]"
busybox_deb=$1
debs=$2
output=$3
size_mib=${4:-512}
[[ -f "$busybox_deb" ]] || die "busybox package not found: $busybox_deb"
[[ -d "$debs" ]] || die "no folder $debs"
[[ -x "$repo/Userspace/bin/init" ]] || die "Userspace/bin is not built (run: bash Userspace/build.sh)"
command -v mke2fs >/dev/null || die "mke2fs not found (Debian package e2fsprogs)"
command -v qemu-aarch64-static >/dev/null || die "qemu-aarch64-static not found (Debian package qemu-user-static)"

epoch=${SOURCE_DATE_EPOCH:-1764979200}   # 2025-12-06T00:00:00Z
uuid=0d3b5e6a-7c21-4f58-9a0e-6b2d4c8e1f37
hash_seed=8e2f4a61-5b9c-4d07-a3e8-1c6f0b5d2a94

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"

# --- the merged-/usr skeleton, then the packages ---
mkdir -p "$root"/usr/{bin,sbin,lib}
for d in bin sbin lib; do ln -s "usr/$d" "$root/$d"; done
count=0
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  name=${line%%=*}
  version=${line#*=}
  deb=""
  for arch in arm64 all; do
    candidate="$debs/${name}_${version//:/%3a}_$arch.deb"
    [[ -f "$candidate" ]] && { deb=$candidate; break; }
  done
  [[ -n "$deb" ]] || die "$name $version: no ${name}_${version//:/%3a}_{arm64,all}.deb in $debs"
  # dpkg-deb's own tar stream; --keep-directory-symlink keeps /bin, /sbin and /lib the links they are.
  dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink --numeric-owner -C "$root" ||
    die "could not unpack $deb"
  count=$((count + 1))
done <"$here/debian-packages.txt"
((count > 0)) || die "debian-packages.txt names no package"
[[ -x "$root/usr/bin/bash" && -e "$root/lib/ld-linux-aarch64.so.1" ]] || die "bash or the dynamic loader is missing after unpacking"

# What a minimal image leaves out.
rm -rf "$root"/usr/share/{man,info,locale,lintian,linda,bug}
find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete 2>/dev/null || true
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true

# dash's /bin/sh is not there: bash is the shell.
ln -sfn bash "$root/usr/bin/sh"

# --- busybox: init and the tools start-up needs, outside PATH ---
mkdir -p "$tmp/busybox"
dpkg-deb -x "$busybox_deb" "$tmp/busybox"
install -D -m 755 "$tmp/busybox/bin/busybox" "$root/usr/lib/busybox/busybox"
qemu-aarch64-static "$root/usr/lib/busybox/busybox" --list | LC_ALL=C sort >"$tmp/applets"
[[ -s "$tmp/applets" ]] || die "busybox listed no applets"
while read -r applet; do
  [[ "$applet" == busybox ]] || ln -sfn busybox "$root/usr/lib/busybox/$applet"
done <"$tmp/applets"
for prog in init poweroff reboot halt; do
  [[ -e "$root/usr/sbin/$prog" ]] && die "/usr/sbin/$prog is already there (from a package)"
  ln -sfn ../lib/busybox/busybox "$root/usr/sbin/$prog"
done

# --- the project's programs ---
install_project_programs "$root" "$repo"

# --- /etc and root's home: what the package scripts would have made ---
cp -r "$here/debian-rootfs/." "$root/"
find "$here/debian-rootfs" -type f -printf '%P\n' | while read -r f; do chmod 644 "$root/$f"; done
chmod 755 "$root/etc/init.d" "$root/etc/init.d/rcS"
chmod 640 "$root/etc/shadow"
mkdir -p "$root"/{dev,proc,sys,tmp,run,mnt,root,home,srv,opt,media,var/log,var/tmp,var/cache,var/lib}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 700 "$root/root"
# As on every Debian system (made there by the mount package's or systemd's set-up).
ln -sfn ../proc/self/mounts "$root/etc/mtab"
install -m 644 "$root/usr/share/base-files/dot.bashrc" "$root/root/.bashrc"
install -m 644 "$root/usr/share/base-files/dot.profile" "$root/root/.profile"
[[ -f "$root/etc/nsswitch.conf" && -f "$root/etc/ld.so.conf" ]] || die "/etc/nsswitch.conf or /etc/ld.so.conf is missing"

# The library cache, by the image's own (static) ldconfig: -r makes it work inside the tree.
qemu-aarch64-static "$root/usr/sbin/ldconfig" -r "$root" -X || die "ldconfig failed"
[[ -s "$root/etc/ld.so.cache" ]] || die "ldconfig wrote no /etc/ld.so.cache"
# Its auxiliary cache records the build tree's inode numbers and times: not reproducible, and only a
# speed-up for the next ldconfig run.
rm -f "$root/var/cache/ldconfig/aux-cache"

make_ext2_image "$root" "$output" "$size_mib" debian "$uuid" "$hash_seed" "$epoch"
