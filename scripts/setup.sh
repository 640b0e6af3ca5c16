#!/usr/bin/env bash
# Installs everything the emulator, its tests and its benchmarks need on a Debian 12 machine (run as
# root), and prepares the default guest. Idempotent: it returns at once when its last successful run
# was of this same script. Called by the build (Emulator.Core's EnsureSetUp target), so nobody has to
# remember it; can be run by hand too.
#
# What it installs:
#   - Debian 12 packages from the machine's own apt sources, pinned (see DEBIAN_PACKAGES).
#   - Unicorn 2.1.4 (Debian's libunicorn2t64 2.1.4-4 from the sid suite) unpacked into .deps/unicorn/ of
#     this repository. It is fetched with a PRIVATE apt configuration (its own sources, lists and
#     cache under the cache folder), so the machine's own apt sources are never changed. The mirror is
#     the one the machine's own apt configuration names.
#   - The default guest into the cache folder (outside the repository): Debian's arm64 Linux Image and
#     an initramfs built around Debian's busybox-static:arm64.
#   - Debian 12's musl-dev:arm64 and musl:arm64 unpacked into .deps/musl/, and libc6:arm64 (glibc's
#     loader and libraries, for dynamically linked test programs) into .deps/glibc/ (same private apt
#     configuration), and with them the AArch64 userspace: Userspace/build.sh ->
#     Userspace/bin/ (the conformance suite and the test init). The stamp covers Userspace's sources,
#     so an edit there rebuilds it on the next build.
#   - From Debian's bookworm sources (same private apt configuration), built into the cache folder:
#     the SSH server (dropbear) and DOOM (chocolate-doom with Userspace/doom/'s platform layer), and
#     Debian's freedoom package (the WADs) for the disk.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${VIRT_EMULATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virt-emulator}
deps="$repo/.deps"
stamp="$deps/setup.stamp"

# Pinned versions. When Debian has dropped a pinned version (a point release replaced it), the newest
# version of the same line is taken and a warning says so.
UNICORN_VERSION=2.1.4-4
LINUX_PACKAGE=linux-image-6.1.0-50-arm64-unsigned
LINUX_VERSION=6.1.176-1
BUSYBOX_VERSION=1:1.35.0-4+deb12u1+b1
MUSL_VERSION=1.2.3-1
# glibc for arm64 guests (the dynamic loader ld-linux-aarch64.so.1 and libc.so.6), bookworm's.
GLIBC_VERSION=2.36-9+deb12u14
DEBIAN_PACKAGES=(
  "qemu-system-arm=1:7.2+dfsg-7+deb12u18+b3"
  "qemu-user-static=1:7.2+dfsg-7+deb12u18+b3"
  "device-tree-compiler=1.6.1-4+b1"
  "cpio=2.13+dfsg-7.1"
  "binutils-aarch64-linux-gnu=2.40-2"
  "gcc-aarch64-linux-gnu=4:12.2.0-3"
  "tmux=3.3a-3"
  "e2fsprogs=1.47.0-2+b2"
  "libslirp0=4.7.0-1"
  "dpkg-dev=1.21.23"
  "openssh-client=1:9.2p1-2+deb12u10"
  "gdb-multiarch=13.1-3"
  "libc6-dev-arm64-cross=2.36-8cross1"
  # The window (-display sdl): SDL 2 and Mesa's OpenGL (llvmpipe when there is no GPU); Xvfb, xdotool and
  # xwd (x11-apps) for the tests and benchmarks that run the window on a virtual X server.
  "libsdl2-2.0-0=2.26.5+dfsg-1"
  "libgl1=1.6.0-1"
  "libglx-mesa0=22.3.6-1+deb12u2"
  "libgl1-mesa-dri=22.3.6-1+deb12u2"
  "libegl1=1.6.0-1"
  "libegl-mesa0=22.3.6-1+deb12u2"
  "xvfb=2:21.1.7-3+deb12u13"
  "xauth=1:1.1.2-1"
  "xdotool=1:3.20160805.1-5"
  "x11-apps=7.7+9"
)
# The guest's SSH server, built from Debian's bookworm source (with musl's source for crypt()).
DROPBEAR_SOURCE_VERSION=2022.83-1+deb12u3
# The managed kernel's console font: console-setup's 8x16 "Fixed" (X11's misc-fixed, public domain).
CONSOLE_FONT_VERSION=1.221
CONSOLE_FONT_FILE=Lat15-Fixed16.psf.gz
# DOOM: chocolate-doom from Debian's bookworm source with our platform layer, and Freedoom's WADs.
CHOCOLATE_DOOM_SOURCE_VERSION=3.0.1+really3.0.0+git1471-1
FREEDOOM_VERSION=0.12.1-2

# The stamp: this script, the guest's init, every Userspace source (names and contents; not the
# build output in Userspace/bin/) and the disk image's recipe.
userspace_sources() {
  (cd "$repo" && find Userspace disk-images -path Userspace/bin -prune -o -type f -print0 2>/dev/null | LC_ALL=C sort -z |
    xargs -0 -r sha256sum)
}
# The cache folder is part of it: the stamp lives in the repository, the guest files in the cache.
want=$({ cat "${BASH_SOURCE[0]}" "$repo/scripts/guest-init.sh"; userspace_sources; echo "$cache"; } | sha256sum | cut -c1-64)
up_to_date() {
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$cache/guest/Image" && -f "$cache/guest/initramfs.cpio.gz" &&
    -x "$repo/Userspace/bin/conform" && -x "$repo/Userspace/bin/init" && -f "$cache/disk/rootfs.ext2" &&
    -f "$cache/disk/debian.ext2" ]]
}
if up_to_date; then
  exit 0
fi

mkdir -p "$deps" "$cache"
# Concurrent builds (several projects, several test runs) must not set up twice at the same time.
exec 9>"$deps/setup.lock"
flock 9
if up_to_date; then
  exit 0
fi

say() { echo "setup: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (it installs Debian packages); run: sudo bash scripts/setup.sh"
command -v apt-get >/dev/null || die "apt-get not found: this set-up supports Debian 12"

# --- Debian packages from the machine's own sources ------------------------------------------------
missing=()
for spec in "${DEBIAN_PACKAGES[@]}"; do
  name=${spec%%=*}
  version=${spec#*=}
  installed=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
  [[ "$installed" == "install ok installed $version" ]] || missing+=("$spec")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "apt-get update failed"
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
    say "warning: a pinned version is no longer available; installing the suite's current versions"
    apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}" >&2 || die "apt-get install failed"
  fi
fi

# --- Private apt configuration for packages from other suites / architectures ----------------------
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [[ -f "$f" ]] || continue
  # The first URI of a stanza that serves the bookworm suite (not the security archive).
  mirror=$(awk '/^URIs:/{u=$2} /^Suites:/{ for (i=2;i<=NF;i++) if ($i=="bookworm") {print u; exit} }' "$f")
  [[ -n "$mirror" ]] && break
done
if [[ -z "$mirror" && -f /etc/apt/sources.list ]]; then
  mirror=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
fi
[[ -n "$mirror" ]] || die "could not find a Debian mirror serving bookworm in the machine's apt sources"

papt="$cache/apt"
mkdir -p "$papt/sources" "$papt/lists/partial" "$papt/cache/archives/partial" "$papt/downloads"
cat >"$papt/sources/private.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm sid
Components: main
Architectures: amd64 arm64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_private=(
  -o Dir::Etc::SourceList=/dev/null
  -o Dir::Etc::SourceParts="$papt/sources"
  -o Dir::State::Lists="$papt/lists"
  -o Dir::Cache="$papt/cache"
  -o Dir::State::status=/dev/null
  -o APT::Architectures::=amd64
  -o APT::Architectures::=arm64
  -o APT::Sandbox::User=root
  -qq
)
# fetch_deb runs in command substitutions (subshells), so "already updated in this run" is a file
# named after this run's process id ($$ is the same in subshells).
private_update() {
  [[ -f "$papt/updated.$$" ]] && return 0
  say "updating the private package lists (bookworm + sid, amd64 + arm64, bookworm's sources)"
  apt-get "${apt_private[@]}" update >&2 || die "private apt-get update failed"
  rm -f "$papt"/updated.* && touch "$papt/updated.$$"
}

# Downloads NAME at VERSION into the private download folder (or the newest version whose string
# starts with FALLBACK_PREFIX if that exact version is gone) and prints the .deb's path.
fetch_deb() {
  local name=$1 version=$2 prefix=$3
  local found
  found=$(ls "$papt/downloads/${name%%:*}_"*.deb 2>/dev/null | head -n1 || true)
  if [[ -n "$found" ]]; then echo "$found"; return; fi
  private_update
  if ! (cd "$papt/downloads" && apt-get "${apt_private[@]}" download "$name=$version" >&2); then
    local newest
    newest=$(apt-cache "${apt_private[@]}" madison "$name" | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
      grep "^$prefix" | sort -V | tail -n1 || true)
    [[ -n "$newest" ]] || die "$name $version is not available and no $prefix* version is either"
    say "warning: $name $version is gone; taking $newest"
    (cd "$papt/downloads" && apt-get "${apt_private[@]}" download "$name=$newest" >&2) || die "could not download $name"
  fi
  ls "$papt/downloads/${name%%:*}_"*.deb | head -n1
}

# Downloads the packages of a list of NAME=VERSION lines (disk-images/debian-packages.txt) into FOLDER,
# arm64 or architecture-independent, under Debian's file names, all that are missing in one apt-get call
# (arm64 as apt's native architecture for it, so that NAME=VERSION means the arm64 package or the "all"
# one). A version bookworm no longer has (a point release replaced it) gives the newest bookworm version
# of NAME, with a warning, saved under the pinned name: the list then wants regenerating
# (disk-images/debian-packages.sh). Never sid's: the private sources carry both.
fetch_pinned_debs() {
  local list=$1 folder=$2 line name version arch found missing=()
  while IFS= read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    name=${line%%=*} version=${line#*=} found=""
    for arch in arm64 all; do
      [[ -f "$folder/${name}_${version//:/%3a}_$arch.deb" ]] && found=1
    done
    [[ -n "$found" ]] || missing+=("$name=$version")
  done <"$list"
  ((${#missing[@]})) || return 0
  private_update
  say "downloading ${#missing[@]} packages of $(basename "$list")"
  (cd "$folder" && apt-get "${apt_private[@]}" -o APT::Architecture=arm64 download "${missing[@]}" >&2) && return 0
  # One at a time, to find which version is gone.
  local spec newest got
  for spec in "${missing[@]}"; do
    name=${spec%%=*} version=${spec#*=}
    (cd "$folder" && apt-get "${apt_private[@]}" -o APT::Architecture=arm64 download "$spec" >&2 2>/dev/null) && continue
    newest=$(apt-cache "${apt_private[@]}" -o APT::Architecture=arm64 madison "$name" 2>/dev/null | grep ' bookworm/' |
      awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -uV | tail -n1 || true)
    [[ -n "$newest" ]] || die "$name $version is not available from bookworm"
    say "warning: $name $version is gone from bookworm; taking $newest (regenerate disk-images/debian-packages.txt)"
    (cd "$folder" && apt-get "${apt_private[@]}" -o APT::Architecture=arm64 download "$name=$newest" >&2) ||
      die "could not download $name $newest"
    got=$(ls "$folder/${name}_${newest//:/%3a}_"*.deb | head -n1)
    mv "$got" "$folder/${name}_${version//:/%3a}_${got##*_}"
  done
}

# Unpacks Debian's source package NAME at VERSION (or the newest version whose string starts with
# FALLBACK_PREFIX if that exact version is gone), with Debian's patches applied, and prints the source
# tree's path. apt checks the files against the signed package lists.
fetch_source() {
  local name=$1 version=$2 prefix=$3
  local dir="$papt/source/$name"
  if [[ "$(cat "$dir/REQUESTED" 2>/dev/null)" == "$version" && -d "$dir/tree" ]]; then echo "$dir/tree"; return; fi
  private_update
  rm -rf "$dir" && mkdir -p "$dir"
  if ! (cd "$dir" && apt-get "${apt_private[@]}" source --download-only "$name=$version" >&2); then
    local newest
    newest=$(apt-cache "${apt_private[@]}" showsrc "$name" | awk '/^Version:/{print $2}' | grep "^$prefix" | sort -V | tail -n1 || true)
    [[ -n "$newest" ]] || die "the source of $name $version is not available and no $prefix* version is either"
    say "warning: the source of $name $version is gone; taking $newest"
    (cd "$dir" && apt-get "${apt_private[@]}" source --download-only "$name=$newest" >&2) || die "could not download the source of $name"
  fi
  dpkg-source --no-check -x "$dir"/*.dsc "$dir/tree" >&2 || die "could not unpack the source of $name"
  echo "$version" >"$dir/REQUESTED"
  echo "$dir/tree"
}

# --- The managed kernel's console font ---------------------------------------------------------------
# The PSF file from console-setup-linux, as C# bytes the kernel's build compiles in (the file is not
# committed: it is Debian's).
font="$deps/font"
if [[ "$(cat "$font/VERSION" 2>/dev/null)" != "$CONSOLE_FONT_VERSION $CONSOLE_FONT_FILE" || ! -f "$font/ConsoleFontData.g.cs" ]]; then
  deb=$(fetch_deb console-setup-linux "$CONSOLE_FONT_VERSION" "1.2")
  tmp=$(mktemp -d)
  dpkg -x "$deb" "$tmp"
  [[ -f "$tmp/usr/share/consolefonts/$CONSOLE_FONT_FILE" ]] || die "$CONSOLE_FONT_FILE not in $deb"
  rm -rf "$font.tmp" && mkdir -p "$font.tmp"
  gzip -dc "$tmp/usr/share/consolefonts/$CONSOLE_FONT_FILE" >"$font.tmp/console.psf"
  {
    echo "// Generated by scripts/setup.sh from Debian's console-setup-linux $CONSOLE_FONT_VERSION, $CONSOLE_FONT_FILE."
    echo "namespace Kernel.Display"
    echo "{"
    echo "    internal static class ConsoleFontData"
    echo "    {"
    echo "        public static System.ReadOnlySpan<byte> Psf => new byte[]"
    echo "        {"
    od -An -v -tu1 "$font.tmp/console.psf" | sed -E 's/^ +//; s/ +/, /g; s/^/            /; s/$/,/'
    echo "        };"
    echo "    }"
    echo "}"
  } >"$font.tmp/ConsoleFontData.g.cs"
  echo "$CONSOLE_FONT_VERSION $CONSOLE_FONT_FILE" >"$font.tmp/VERSION"
  rm -rf "$font" "$tmp" && mv "$font.tmp" "$font"
  say "console font $CONSOLE_FONT_FILE in $font"
fi

# --- Unicorn ----------------------------------------------------------------------------------------
if [[ ! -f "$deps/unicorn/libunicorn.so.2" ]]; then
  deb=$(fetch_deb libunicorn2t64 "$UNICORN_VERSION" "2.1.")
  rm -rf "$deps/unicorn.tmp" && mkdir -p "$deps/unicorn.tmp"
  dpkg -x "$deb" "$deps/unicorn.tmp"
  lib=$(find "$deps/unicorn.tmp" -name 'libunicorn.so.2*' -type f | head -n1)
  [[ -n "$lib" ]] || die "libunicorn.so.2 not found in $deb"
  rm -rf "$deps/unicorn" && mkdir -p "$deps/unicorn"
  cp "$lib" "$deps/unicorn/libunicorn.so.2"
  dpkg-deb -f "$deb" Version >"$deps/unicorn/VERSION"
  rm -rf "$deps/unicorn.tmp"
  say "Unicorn $(cat "$deps/unicorn/VERSION") in $deps/unicorn"
fi

# --- The default guest: Linux + busybox initramfs ---------------------------------------------------
guest="$cache/guest"
mkdir -p "$guest"
if [[ ! -f "$guest/Image" ]]; then
  deb=$(fetch_deb "$LINUX_PACKAGE:arm64" "$LINUX_VERSION" "6.1.")
  tmp=$(mktemp -d)
  dpkg -x "$deb" "$tmp"
  vmlinuz=$(ls "$tmp"/boot/vmlinuz-* | head -n1)
  # Depending on the package version the file is the raw Image or a gzip of it.
  if gzip -t "$vmlinuz" 2>/dev/null; then gzip -dc "$vmlinuz" >"$guest/Image.tmp"; else cp "$vmlinuz" "$guest/Image.tmp"; fi
  mv "$guest/Image.tmp" "$guest/Image"
  dpkg-deb -f "$deb" Package Version | tr '\n' ' ' >"$guest/linux.version"
  rm -rf "$tmp"
  say "Linux Image in $guest"
fi
# Linux's modules the guest's initramfs carries (Debian builds these drivers as modules), from the
# same kernel package, with what they depend on, in the order they must be loaded. crc32c is not a
# declared dependency of ext4 but ext4 asks for it at mount time when the metadata has checksums.
# virtio_input and evdev give the guest /dev/input/event* for virtio-keyboard/tablet-device.
GUEST_MODULES=(virtio_mmio failover net_failover virtio_net virtio_blk virtio-rng crc32c_generic ext4 virtio_input evdev)
modules="$guest/modules"
if [[ "$(cat "$modules/load-order" 2>/dev/null | tr '\n' ' ')" != *ext4* || "$(cat "$modules/wanted" 2>/dev/null)" != "${GUEST_MODULES[*]}" ]]; then
  deb=$(fetch_deb "$LINUX_PACKAGE:arm64" "$LINUX_VERSION" "6.1.")
  tmp=$(mktemp -d)
  dpkg -x "$deb" "$tmp"
  tree=$(ls -d "$tmp"/lib/modules/*/kernel | head -n1)
  rm -rf "$modules.tmp" && mkdir -p "$modules.tmp"
  declare -A placed=()
  # Depth first: a module's dependencies (its .modinfo "depends=") are placed before it.
  place_module() {
    local name=$1 file dep
    [[ -n "${placed[$name]:-}" ]] && return 0
    placed[$name]=1
    file=$(find "$tree" -name "$name.ko" | head -n1)
    [[ -n "$file" ]] || die "module $name.ko not found in $deb"
    for dep in $(tr '\0' '\n' <"$file" | sed -n 's/^depends=//p' | tr ',' ' '); do
      place_module "$dep"
    done
    cp "$file" "$modules.tmp/$name.ko"
    echo "$name" >>"$modules.tmp/load-order"
  }
  for m in "${GUEST_MODULES[@]}"; do place_module "$m"; done
  echo "${GUEST_MODULES[*]}" >"$modules.tmp/wanted"
  rm -rf "$modules" && mv "$modules.tmp" "$modules"
  rm -rf "$tmp"
  say "Linux modules for the guest: $(tr '\n' ' ' <"$modules/load-order")"
fi
# Rebuilt on every set-up run (cheap) so that a change to guest-init.sh always reaches the guest.
if true; then
  deb=$(fetch_deb busybox-static:arm64 "$BUSYBOX_VERSION" "1:1.35.")
  tmp=$(mktemp -d)
  dpkg -x "$deb" "$tmp/pkg"
  root="$tmp/root"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc}
  cp "$tmp/pkg/bin/busybox" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  cp "$repo/scripts/guest-init.sh" "$root/init"
  chmod 755 "$root/init"
  mkdir -p "$root/lib/modules"
  cp "$modules"/*.ko "$modules/load-order" "$root/lib/modules/"
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  echo "root:x:0:" >"$root/etc/group"
  (cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) | gzip -9 >"$guest/initramfs.cpio.gz.tmp"
  mv "$guest/initramfs.cpio.gz.tmp" "$guest/initramfs.cpio.gz"
  rm -rf "$tmp"
  say "busybox initramfs in $guest"
fi

# --- musl (arm64) and the static userspace built with it --------------------------------------------
musl="$deps/musl"
if [[ ! -f "$musl/usr/lib/aarch64-linux-musl/libc.a" || "$(cat "$musl/VERSION" 2>/dev/null)" != "$MUSL_VERSION" ]]; then
  dev_deb=$(fetch_deb musl-dev:arm64 "$MUSL_VERSION" "1.2.3-")
  lib_deb=$(fetch_deb musl:arm64 "$MUSL_VERSION" "1.2.3-")
  rm -rf "$musl.tmp" && mkdir -p "$musl.tmp"
  dpkg -x "$dev_deb" "$musl.tmp"
  dpkg -x "$lib_deb" "$musl.tmp"
  [[ -f "$musl.tmp/usr/lib/aarch64-linux-musl/libc.a" ]] || die "libc.a not found in $dev_deb"
  # VERSION holds the pinned version (what this script asked for); the packages' own is beside it.
  echo "$MUSL_VERSION" >"$musl.tmp/VERSION"
  dpkg-deb -f "$dev_deb" Version >"$musl.tmp/musl-dev.version"
  rm -rf "$musl" && mv "$musl.tmp" "$musl"
  say "musl $(cat "$musl/musl-dev.version") in $musl"
fi
glibc="$deps/glibc"
if [[ ! -f "$glibc/lib/ld-linux-aarch64.so.1" || "$(cat "$glibc/VERSION" 2>/dev/null)" != "$GLIBC_VERSION" ]]; then
  libc_deb=$(fetch_deb libc6:arm64 "$GLIBC_VERSION" "2.36-9+deb12u")
  rm -rf "$glibc.tmp" && mkdir -p "$glibc.tmp"
  dpkg -x "$libc_deb" "$glibc.tmp"
  [[ -e "$glibc.tmp/lib/ld-linux-aarch64.so.1" ]] || die "ld-linux-aarch64.so.1 not found in $libc_deb"
  echo "$GLIBC_VERSION" >"$glibc.tmp/VERSION"
  dpkg-deb -f "$libc_deb" Version >"$glibc.tmp/libc6.version"
  rm -rf "$glibc" && mv "$glibc.tmp" "$glibc"
  say "glibc $(cat "$glibc/libc6.version") in $glibc"
fi
MUSL_DIR="$musl" bash "$repo/Userspace/build.sh" || die "Userspace/build.sh failed"

# --- The SSH server: dropbear, its host keys and root's authorized keys ---------------------------
# Built once per recipe (its version, musl's, Userspace/dropbear/ and Userspace/musl-cc.sh), into the cache.
dropbear="$cache/dropbear"
dropbear_want=$({ echo "$DROPBEAR_SOURCE_VERSION $MUSL_VERSION"; cat "$repo"/Userspace/dropbear/* "$repo"/Userspace/musl-cc.sh; } | sha256sum | cut -c1-64)
if [[ ! -x "$dropbear/dropbearmulti" || "$(cat "$dropbear/stamp" 2>/dev/null)" != "$dropbear_want" ]]; then
  dropbear_src=$(fetch_source dropbear "$DROPBEAR_SOURCE_VERSION" "2022.83-")
  musl_src=$(fetch_source musl "$MUSL_VERSION" "1.2.3-")
  say "building dropbear $(cat "$papt/source/dropbear/REQUESTED") (about a minute)"
  MUSL_DIR="$musl" bash "$repo/Userspace/dropbear/build.sh" "$dropbear_src" "$musl_src" "$dropbear/dropbearmulti" ||
    die "Userspace/dropbear/build.sh failed"
  echo "$dropbear_want" >"$dropbear/stamp"
fi
# --- DOOM: chocolate-doom for the framebuffer, built once per recipe (Userspace/doom/), into the cache --
doom="$cache/doom"
doom_want=$({ echo "$CHOCOLATE_DOOM_SOURCE_VERSION $MUSL_VERSION"; cat "$repo"/Userspace/doom/* "$repo"/Userspace/musl-cc.sh; } | sha256sum | cut -c1-64)
if [[ ! -x "$doom/chocolate-doom" || "$(cat "$doom/stamp" 2>/dev/null)" != "$doom_want" ]]; then
  doom_src=$(fetch_source chocolate-doom "$CHOCOLATE_DOOM_SOURCE_VERSION" "3.0.")
  say "building chocolate-doom $(cat "$papt/source/chocolate-doom/REQUESTED") (about a minute)"
  MUSL_DIR="$musl" bash "$repo/Userspace/doom/build.sh" "$doom_src" "$doom/chocolate-doom" ||
    die "Userspace/doom/build.sh failed"
  echo "$doom_want" >"$doom/stamp"
fi
freedoom_deb=$(fetch_deb freedoom "$FREEDOOM_VERSION" "0.12.")

# The host keys are made once and kept: the guest's identity, and with it the host's known_hosts,
# survives every rebuild of the image.
ssh_dir="$cache/ssh"
mkdir -p -m 700 "$ssh_dir/host"
for type in ed25519 ecdsa rsa; do
  key="$ssh_dir/host/dropbear_${type}_host_key"
  [[ -f "$key" ]] && continue
  rm -f "$key.tmp"
  qemu-aarch64-static "$dropbear/dropbearmulti" dropbearkey -t "$type" -f "$key.tmp" >/dev/null 2>&1 ||
    die "dropbearkey could not make the $type host key"
  mv "$key.tmp" "$key"
done
# Root's authorized keys: the project's own key (tests and benchmarks log in with it) and the public keys
# of the user running the set-up. A user with no key at all gets one, ~/.ssh/id_ed25519, so that a plain
# `ssh -p 2222 root@localhost` logs in.
[[ -f "$ssh_dir/id_ed25519" ]] ||
  ssh-keygen -q -t ed25519 -N "" -C "virt-emulator project key" -f "$ssh_dir/id_ed25519" || die "ssh-keygen failed"
user=${SUDO_USER:-$(id -un)}
user_home=$(getent passwd "$user" | cut -d: -f6)
if [[ -n "$user_home" ]] && ! compgen -G "$user_home/.ssh/id_*.pub" >/dev/null; then
  mkdir -p -m 700 "$user_home/.ssh"
  ssh-keygen -q -t ed25519 -N "" -C "$user@$(hostname) (made by the virt-emulator set-up)" -f "$user_home/.ssh/id_ed25519" ||
    die "ssh-keygen failed"
  chown "$user:" "$user_home/.ssh" "$user_home/.ssh/id_ed25519" "$user_home/.ssh/id_ed25519.pub"
  say "you had no SSH key: made $user_home/.ssh/id_ed25519 (root in the guest accepts it)"
fi
{
  cat "$ssh_dir/id_ed25519.pub"
  if [[ -n "$user_home" ]] && compgen -G "$user_home/.ssh/id_*.pub" >/dev/null; then cat "$user_home"/.ssh/id_*.pub; fi
} | sort -u >"$ssh_dir/authorized_keys"

# --- The guest's disk: the pristine root file system image (disk-images/) ---------------------------
# The emulator copies it to a working image on first use, so this one stays as built.
mkdir -p "$cache/disk"
busybox_deb=$(fetch_deb busybox-static:arm64 "$BUSYBOX_VERSION" "1:1.35.")
DOOM_BINARY="$doom/chocolate-doom" FREEDOOM_DEB="$freedoom_deb" \
  DROPBEAR_MULTI="$dropbear/dropbearmulti" SSH_HOST_KEYS="$ssh_dir/host" AUTHORIZED_KEYS="$ssh_dir/authorized_keys" \
  bash "$repo/disk-images/build.sh" "$busybox_deb" "$cache/disk/rootfs.ext2" || die "disk-images/build.sh failed"
say "root disk image in $cache/disk/rootfs.ext2"

# --- The Debian image (disk-images/build-debian.sh): bookworm's userland, pinned packages --------------
# Built when missing or when its recipe changed (the recipe's files, the package list, busybox and
# Userspace/bin's programs), into the cache.
debian_debs="$papt/debian"
debian_want=$({ echo "$BUSYBOX_VERSION"; cat "$repo"/disk-images/build-debian.sh "$repo"/disk-images/ext2-image.sh "$repo"/disk-images/debian-packages.txt;
  (cd "$repo/disk-images" && find debian-rootfs -type f | LC_ALL=C sort | xargs sha256sum);
  (cd "$repo/Userspace/bin" && find . -maxdepth 1 -type f | LC_ALL=C sort | xargs sha256sum); } | sha256sum | cut -c1-64)
if [[ ! -f "$cache/disk/debian.ext2" || "$(cat "$cache/disk/debian.stamp" 2>/dev/null)" != "$debian_want" ]]; then
  mkdir -p "$debian_debs"
  fetch_pinned_debs "$repo/disk-images/debian-packages.txt" "$debian_debs"
  say "building the Debian image (about a minute)"
  bash "$repo/disk-images/build-debian.sh" "$busybox_deb" "$debian_debs" "$cache/disk/debian.ext2" ||
    die "disk-images/build-debian.sh failed"
  echo "$debian_want" >"$cache/disk/debian.stamp"
  say "Debian image in $cache/disk/debian.ext2"
fi

echo "$want" >"$stamp"
