#!/usr/bin/env bash
# Builds the static AArch64 userspace into Userspace/bin/:
#   bin/conform  the syscall conformance suite (conform/*.c)
#   bin/init     the tiny test init (init/*.c)
#   bin/NAME     one small test tool per tools/NAME.c (nullderef, forkbomb, spawnloop, badptr, sysfuzz, limits, ptyloop, fbtest, evdump, spin)
#   bin/forkexec times N x fork+execve+waitpid (forkexec/*.c; the kernel benchmark in Benchmarks/)
#   bin/fsstress the file-system stress test (fsstress/*.c)
#   bin/dynamic/{musl,glibc}/  the dynamic-linking test (dynamic/*.c), dynamically linked against
#                musl (loader /lib/ld-musl-aarch64.so.1) and glibc (Debian's cross libc6-dev-arm64-cross,
#                loader /lib/ld-linux-aarch64.so.1): dyntest, libdyntls.so (linked), libdynplugin.so (dlopen)
# with Debian's aarch64-linux-gnu-gcc against Debian 12's musl (musl-dev:arm64, unpacked by
# scripts/setup.sh into .deps/musl; MUSL_DIR overrides). Static, non-PIE, no glibc anywhere: musl's
# headers replace the system ones (-nostdinc) and musl's crt files and libc.a replace glibc's (-nostdlib).
# Called by scripts/setup.sh whenever Userspace's sources change; can be run by hand too.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
musl=${MUSL_DIR:-$repo/.deps/musl}
cc=${CROSS_CC:-aarch64-linux-gnu-gcc}
out="$here/bin"

die() { echo "Userspace/build.sh: error: $*" >&2; exit 1; }

inc="$musl/usr/include/aarch64-linux-musl"
lib="$musl/usr/lib/aarch64-linux-musl"
[[ -f "$lib/libc.a" && -d "$inc" ]] || die "musl not found in $musl (run: sudo bash scripts/setup.sh)"
command -v "$cc" >/dev/null || die "$cc not found (run: sudo bash scripts/setup.sh)"

# The compiler's own headers (stdarg.h etc. are musl's too, but arm_neon.h and friends are gcc's),
# after musl's so that musl's win.
gcc_inc=$("$cc" -print-file-name=include)
crtbegin=$("$cc" -print-file-name=crtbeginT.o)
crtend=$("$cc" -print-file-name=crtend.o)
libgcc=$("$cc" -print-libgcc-file-name)

# -fno-toplevel-reorder keeps each file's tests in the order they are written (the runner's order).
cflags=(-std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter -fno-pie -fno-strict-aliasing -fno-toplevel-reorder
  -nostdinc -isystem "$inc" -isystem "$gcc_inc")

# link NAME OBJECTS...: a static executable from musl's start files, the objects, libc.a and libgcc.a.
link() {
  local name=$1; shift
  "$cc" -static -no-pie -nostdlib -Wl,--gc-sections -o "$tmp/$name" \
    "$lib/crt1.o" "$lib/crti.o" "$crtbegin" "$@" \
    -Wl,--start-group "$lib/libc.a" "$libgcc" -Wl,--end-group \
    "$crtend" "$lib/crtn.o"
}

# compile PROGRAM: every PROGRAM/*.c (conform/, init/, forkexec/, fsstress/) to objects under the temporary folder, then link.
compile() {
  local prog=$1 src obj objs=()
  mkdir -p "$tmp/obj/$prog"
  for src in "$here/$prog"/*.c; do
    obj="$tmp/obj/$prog/$(basename "${src%.c}").o"
    "$cc" "${cflags[@]}" -I "$here/$prog" -ffunction-sections -fdata-sections -c -o "$obj" "$src" ||
      die "compiling $src failed"
    objs+=("$obj")
  done
  link "$prog" "${objs[@]}" || die "linking $prog failed"
}

# compile_tool NAME: the single-file program tools/NAME.c.
compile_tool() {
  mkdir -p "$tmp/obj/tools"
  "$cc" "${cflags[@]}" -ffunction-sections -fdata-sections -c -o "$tmp/obj/tools/$1.o" "$here/tools/$1.c" ||
    die "compiling tools/$1.c failed"
  link "$1" "$tmp/obj/tools/$1.o" || die "linking $1 failed"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
compile conform
compile init
compile forkexec
compile fsstress
tools=()
for src in "$here"/tools/*.c; do
  tools+=("$(basename "${src%.c}")")
  compile_tool "${tools[-1]}"
done

# The dynamic-linking test, against each C library. Its shared libraries are looked up through
# LD_LIBRARY_PATH (no rpath): the test puts them where the loaders do not look by default.
dynamic() {
  local libc=$1 d="$tmp/dynamic/$1"
  mkdir -p "$d"
  local dcflags=(-O2 -Wall -Wextra -Werror -Wno-unused-parameter -fPIC)
  if [[ $libc == musl ]]; then
    local musl_so="$musl/lib/aarch64-linux-musl/libc.so"
    [[ -f "$musl_so" ]] || die "musl's libc.so not found in $musl (musl:arm64)"
    dcflags+=(-nostdinc -isystem "$inc" -isystem "$gcc_inc")
    local crtbeginS crtendS
    crtbeginS=$("$cc" -print-file-name=crtbeginS.o)
    crtendS=$("$cc" -print-file-name=crtendS.o)
    # -lc from musl's folder: NEEDED is "libc.so", which musl's loader takes to mean itself.
    local musl_lib=(-L "$(dirname "$musl_so")" -lc)
    "$cc" "${dcflags[@]}" -shared -nostdlib -Wl,-soname,libdyntls.so -o "$d/libdyntls.so" "$here/dynamic/libdyntls.c" "${musl_lib[@]}" ||
      die "building the musl libdyntls.so failed"
    "$cc" "${dcflags[@]}" -shared -nostdlib -Wl,-soname,libdynplugin.so -o "$d/libdynplugin.so" "$here/dynamic/plugin.c" "${musl_lib[@]}" ||
      die "building the musl libdynplugin.so failed"
    "$cc" "${dcflags[@]}" -c -o "$d/dyntest.o" "$here/dynamic/dyntest.c" || die "compiling dyntest.c (musl) failed"
    "$cc" -nostdlib -pie -Wl,-dynamic-linker,/lib/ld-musl-aarch64.so.1 -o "$d/dyntest" \
      "$lib/Scrt1.o" "$lib/crti.o" "$crtbeginS" "$d/dyntest.o" "$d/libdyntls.so" "${musl_lib[@]}" "$libgcc" \
      "$crtendS" "$lib/crtn.o" || die "linking dyntest (musl) failed"
  else
    [[ -f /usr/aarch64-linux-gnu/lib/libc.so ]] || die "glibc's cross headers and libraries are missing (Debian package libc6-dev-arm64-cross; run: sudo bash scripts/setup.sh)"
    "$cc" "${dcflags[@]}" -shared -Wl,-soname,libdyntls.so -o "$d/libdyntls.so" "$here/dynamic/libdyntls.c" || die "building the glibc libdyntls.so failed"
    "$cc" "${dcflags[@]}" -shared -Wl,-soname,libdynplugin.so -o "$d/libdynplugin.so" "$here/dynamic/plugin.c" || die "building the glibc libdynplugin.so failed"
    "$cc" "${dcflags[@]}" -o "$d/dyntest" "$here/dynamic/dyntest.c" "$d/libdyntls.so" -ldl -lpthread ||
      die "linking dyntest (glibc) failed"
  fi
  rm -f "$d/dyntest.o"
}
dynamic musl
dynamic glibc

mkdir -p "$out"
for prog in conform init forkexec fsstress "${tools[@]}"; do
  mv -f "$tmp/$prog" "$out/$prog.new" && mv -f "$out/$prog.new" "$out/$prog"
done
rm -rf "$out/dynamic" && mv "$tmp/dynamic" "$out/dynamic"
echo "Userspace/build.sh: built $(cd "$out" && echo conform init forkexec fsstress "${tools[@]}") dynamic/{musl,glibc} in $out" >&2
