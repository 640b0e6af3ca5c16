#!/usr/bin/env bash
# Builds DOOM for the guest: Debian's bookworm chocolate-doom source as one static AArch64 binary
# against Debian 12's musl (musl-dev:arm64, unpacked by scripts/setup.sh into .deps/musl; MUSL_DIR
# overrides), with this folder's platform layer in place of chocolate-doom's SDL code. Called by
# scripts/setup.sh with the source package unpacked, Debian's patches applied:
#
#   bash Userspace/doom/build.sh CHOCOLATE_DOOM_SOURCE OUTPUT
#
# What is built: chocolate-doom's portable files (the game in src/doom/, the WAD, zone, menu,
# configuration, dehacked and loop code in src/) and, instead of its video, input, joystick, sound,
# music and ENDOOM files (SDL, SDL_mixer, textscreen), this folder's:
#   fbdev.c    the screen on /dev/fb0 (integer scale, centred), the console's KD_GRAPHICS mode
#   evdev.c    the keyboard from /dev/input/eventN, grabbed while the game runs
#   nosound.c  no sound and no music (the machine has no sound device)
#   endoom.c   the ENDOOM text screen on the terminal at exit, in ANSI colours
#   sdl.c, SDL.h (also as SDL_stdinc.h, SDL_endian.h, SDL_filesystem.h)   the few trivial SDL functions
#              the portable files call (ticks, delays, the per-user folder)
#   config.h   what configure would have found: no SDL_mixer, SDL_net, libpng or libsamplerate
# One change to chocolate-doom itself: -timedemo's result ("timed N gametics in N realtics (F fps)")
# is printed on stdout and the game quits normally (status 0), where upstream reports it through
# I_Error (status 255, as the DOS original did).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
musl=${MUSL_DIR:-$repo/.deps/musl}
cross=${CROSS_CC:-aarch64-linux-gnu-gcc}
jobs=${DOOM_JOBS:-2}

die() { echo "Userspace/doom/build.sh: error: $*" >&2; exit 1; }

(($# == 2)) || die "usage: build.sh CHOCOLATE_DOOM_SOURCE OUTPUT"
src=$1
output=$2
[[ -f "$src/src/doom/d_main.c" && -f "$src/src/d_loop.c" ]] || die "$src is not chocolate-doom's source tree"
inc="$musl/usr/include/aarch64-linux-musl"
lib="$musl/usr/lib/aarch64-linux-musl"
[[ -f "$lib/libc.a" && -d "$inc" ]] || die "musl not found in $musl (run: sudo bash scripts/setup.sh)"
command -v "$cross" >/dev/null || die "$cross not found (run: sudo bash scripts/setup.sh)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A compiler driver for musl, as musl-gcc would be (Userspace/musl-cc.sh).
source "$here/../musl-cc.sh"
write_musl_cc "$tmp/cc" "$cross" "$inc" "$lib"

# chocolate-doom's files: src/Makefile.am's GAME_BASE_FILES with the zone allocator, the dehacked
# files and src/doom/, less what the platform layer replaces (i_video, i_input, i_joystick, i_sound and
# its back ends, i_endoom, i_cdmus, net_gui) and the music code only the back ends use.
upstream=(
  i_main.c i_system.c m_argv.c m_misc.c
  aes_prng.c d_event.c d_iwad.c d_loop.c d_mode.c deh_str.c i_glob.c i_timer.c
  m_bbox.c m_cheat.c m_config.c m_controls.c m_fixed.c
  net_client.c net_common.c net_dedicated.c net_io.c net_loop.c net_packet.c net_petname.c net_query.c
  net_sdl.c net_server.c net_structrw.c
  sha1.c memio.c tables.c v_diskicon.c v_video.c w_checksum.c w_main.c w_wad.c w_file.c w_file_stdc.c
  w_file_posix.c w_merge.c z_zone.c deh_io.c deh_main.c deh_mapping.c deh_text.c
)
mkdir -p "$tmp/src/doom" "$tmp/obj"
for f in "${upstream[@]}"; do cp "$src/src/$f" "$tmp/src/$f"; done
for f in "$src"/src/doom/*.c; do
  [[ "$(basename "$f")" == doom_icon.c ]] && continue # included by d_main.c
  cp "$f" "$tmp/src/doom/"
done

timed='I_Error ("timed %i gametics in %i realtics (%f fps)",'
grep -qF "$timed" "$tmp/src/doom/g_game.c" || die "g_game.c has changed: its -timedemo report was not found"
sed -i "s|$timed|printf (\"timed %i gametics in %i realtics (%f fps)\\\\n\",|" "$tmp/src/doom/g_game.c"
sed -i '/printf ("timed %i gametics/{n;s|gametic, realtics, fps);|gametic, realtics, fps); I_Quit ();|}' "$tmp/src/doom/g_game.c"
grep -q 'gametic, realtics, fps); I_Quit ();' "$tmp/src/doom/g_game.c" || die "could not change g_game.c's -timedemo report"

# A makefile for the lot: upstream's files as upstream writes them (their warnings are theirs), ours
# with every warning an error.
{
  echo "CC := $tmp/cc"
  echo "COMMON := -std=gnu99 -O2 -fno-pie -DHAVE_CONFIG_H -I $here -I $tmp/src -I $src/src -I $src/src/doom"
  objects=()
  for f in "$tmp"/src/*.c "$tmp"/src/doom/*.c; do
    o="$tmp/obj/$(basename "$(dirname "$f")")_$(basename "${f%.c}").o"
    objects+=("$o")
    printf '%s: %s\n\t$(CC) $(COMMON) -w -c -o $@ $<\n' "$o" "$f"
  done
  for f in fbdev evdev nosound endoom sdl; do
    o="$tmp/obj/platform_$f.o"
    objects+=("$o")
    printf '%s: %s\n\t$(CC) $(COMMON) -Wall -Wextra -Werror -c -o $@ $<\n' "$o" "$here/$f.c"
  done
  printf '%s: %s\n\t$(CC) -o $@ $^\n' "$tmp/chocolate-doom" "${objects[*]}"
} >"$tmp/Makefile"
make -f "$tmp/Makefile" -j"$jobs" "$tmp/chocolate-doom" >"$tmp/make.log" 2>&1 || die "make failed: $(grep -m 20 -i 'error' "$tmp/make.log"; tail -n 20 "$tmp/make.log")"
aarch64-linux-gnu-strip -o "$tmp/chocolate-doom.stripped" "$tmp/chocolate-doom"
mkdir -p "$(dirname "$output")"
install -m 755 "$tmp/chocolate-doom.stripped" "$output"
echo "Userspace/doom/build.sh: built $output ($(stat -c %s "$output") bytes)" >&2
