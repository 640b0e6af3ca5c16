# Sourced by the recipes that cross-build Debian source packages as static AArch64 musl programs
# (Userspace/dropbear/, Userspace/doom/).
#
# write_musl_cc OUT CROSS INC LIB: writes OUT, a compiler driver for musl as musl-gcc would be: musl's
# headers (INC) instead of glibc's, the compiler's own after them, and for a link musl's start files,
# libc.a (LIB) and libgcc.a instead of glibc's. CROSS is the aarch64 gcc.
write_musl_cc() {
  local out=$1 cross=$2 inc=$3 lib=$4 gcc_inc
  gcc_inc=$("$cross" -print-file-name=include)
  cat >"$out" <<WRAPPER
#!/bin/sh
for a in "\$@"; do
  case "\$a" in -c|-E|-S|-M|-MM) exec "$cross" -nostdinc -isystem "$inc" -isystem "$gcc_inc" "\$@" ;; esac
done
exec "$cross" -nostdinc -isystem "$inc" -isystem "$gcc_inc" -static -no-pie -nostdlib \\
  "$lib/crt1.o" "$lib/crti.o" "$("$cross" -print-file-name=crtbeginT.o)" "\$@" \\
  -Wl,--start-group "$lib/libc.a" "$("$cross" -print-libgcc-file-name)" -Wl,--end-group \\
  "$("$cross" -print-file-name=crtend.o)" "$lib/crtn.o"
WRAPPER
  chmod +x "$out"
}
