#!/bin/sh
# doom: chocolate-doom on the framebuffer (built by the project's Userspace/doom/build.sh), playing
# Freedoom: Phase 1 unless an -iwad is given (freedoom2.wad is beside it: doom -iwad freedoom2.wad).
# Every chocolate-doom option works: doom -warp 1 1, doom -timedemo demo1, ...
for arg in "$@"; do
  [ "$arg" = -iwad ] && exec /usr/games/chocolate-doom "$@"
done
exec /usr/games/chocolate-doom -iwad /usr/share/games/doom/freedoom1.wad "$@"
