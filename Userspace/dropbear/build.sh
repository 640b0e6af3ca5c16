#!/usr/bin/env bash
# Builds the guest's SSH server: dropbear as one static AArch64 binary, dropbearmulti (dropbear,
# dropbearkey, dropbearconvert, dbclient and scp in one), against Debian 12's musl (musl-dev:arm64,
# unpacked by scripts/setup.sh into .deps/musl; MUSL_DIR overrides). Called by scripts/setup.sh with
# Debian's bookworm source packages, unpacked with their patches applied:
#
#   bash Userspace/dropbear/build.sh DROPBEAR_SOURCE MUSL_SOURCE OUTPUT
#
# Debian's musl has no crypt() (Debian bug 947193), and without one dropbear leaves password logins
# out: musl's own src/crypt/ from its source package is built first into a small libcrypt.a.
# Options beyond upstream's defaults are in localoptions.h beside this script.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
musl=${MUSL_DIR:-$repo/.deps/musl}
cross=${CROSS_CC:-aarch64-linux-gnu-gcc}

die() { echo "Userspace/dropbear/build.sh: error: $*" >&2; exit 1; }

(($# == 3)) || die "usage: build.sh DROPBEAR_SOURCE MUSL_SOURCE OUTPUT"
src=$1
musl_src=$2
output=$3
[[ -x "$src/configure" && -f "$src/svr-main.c" ]] || die "$src is not dropbear's source tree"
[[ -d "$musl_src/src/crypt" && -d "$musl_src/src/internal" ]] || die "$musl_src is not musl's source tree"
inc="$musl/usr/include/aarch64-linux-musl"
lib="$musl/usr/lib/aarch64-linux-musl"
[[ -f "$lib/libc.a" && -d "$inc" ]] || die "musl not found in $musl (run: sudo bash scripts/setup.sh)"
command -v "$cross" >/dev/null || die "$cross not found (run: sudo bash scripts/setup.sh)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A compiler driver for musl, as musl-gcc would be (Userspace/musl-cc.sh).
source "$here/../musl-cc.sh"
write_musl_cc "$tmp/cc" "$cross" "$inc" "$lib"

# --- libcrypt.a from musl's source: its internal headers first, for the declarations it shares ---
mkdir -p "$tmp/crypt" "$tmp/lib"
for c in "$musl_src"/src/crypt/*.c; do
  "$tmp/cc" -std=c99 -D_XOPEN_SOURCE=700 -O2 -fno-pie -Werror=implicit-function-declaration -I "$musl_src/src/include" -I "$musl_src/src/internal" \
    -c -o "$tmp/crypt/$(basename "${c%.c}").o" "$c" || die "compiling $c failed"
done
aarch64-linux-gnu-ar rcs "$tmp/lib/libcrypt.a" "$tmp"/crypt/*.o

# --- dropbear, built in a copy so that the source tree stays as unpacked ---
cp -a "$src" "$tmp/dropbear"
cp "$here/localoptions.h" "$tmp/dropbear/localoptions.h"
cd "$tmp/dropbear"
./configure --host=aarch64-linux-musl --build="$(gcc -dumpmachine)" CC="$tmp/cc" \
  CFLAGS="-O2 -fno-pie" LDFLAGS="-L$tmp/lib" \
  --enable-static --disable-zlib --disable-lastlog --disable-utmp --disable-utmpx --disable-wtmp \
  --disable-wtmpx --disable-pututline --disable-pututxline --disable-syslog >configure.log 2>&1 ||
  die "configure failed: $(tail -n 20 configure.log)"
grep -q '^#define HAVE_CRYPT 1' config.h || die "configure found no crypt(): password logins would be left out"
make -j"$(nproc)" PROGRAMS="dropbear dbclient dropbearkey dropbearconvert scp" MULTI=1 STATIC=1 >make.log 2>&1 ||
  die "make failed: $(tail -n 30 make.log)"
aarch64-linux-gnu-strip -o "$tmp/dropbearmulti" dropbearmulti
mkdir -p "$(dirname "$output")"
install -m 755 "$tmp/dropbearmulti" "$output"
echo "Userspace/dropbear/build.sh: built $output ($(stat -c %s "$output") bytes)" >&2
