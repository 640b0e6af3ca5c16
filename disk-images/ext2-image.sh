# Sourced by disk-images/build.sh and build-debian.sh: what both images hold of the project's own, and the
# reproducible ext2 image both make.
#
#   install_project_programs ROOT REPO
#
# Installs REPO's Userspace/bin programs in ROOT/usr/local/bin. Userspace's test init would shadow
# nothing (/sbin/init comes first in PATH) but reads as if it were the system's: it is installed under
# the name the tests use for it, test-init.
#
#   make_ext2_image ROOT OUTPUT SIZE_MIB LABEL UUID HASH_SEED EPOCH
#
# Every file of ROOT gets EPOCH as its times (the change time too, which no tool can set on the source
# tree: debugfs sets it in the image), mke2fs builds OUTPUT (ext2, 4 KiB blocks) with a fixed UUID, hash
# seed and creation time, and e2fsck must find it clean before it replaces OUTPUT. The same inputs give
# the same image, byte for byte. Needs a die function and $tmp (a scratch folder) from the caller.
install_project_programs() {
  local root=$1 repo=$2 prog name
  mkdir -p "$root/usr/local/bin"
  for prog in "$repo"/Userspace/bin/*; do
    [[ -f "$prog" && -x "$prog" ]] || continue
    name=$(basename "$prog")
    [[ "$name" == init ]] && name=test-init
    install -m 755 "$prog" "$root/usr/local/bin/$name"
  done
}

make_ext2_image() {
  local root=$1 output=$2 size_mib=$3 label=$4 uuid=$5 hash_seed=$6 epoch=$7
  find "$root" -exec touch -h -d "@$epoch" {} +
  rm -f "$output.tmp"
  truncate -s "${size_mib}M" "$output.tmp"
  E2FSPROGS_FAKE_TIME=$epoch mke2fs -q -F -t ext2 -b 4096 -L "$label" -U "$uuid" \
    -E "hash_seed=$hash_seed,root_owner=0:0" -d "$root" "$output.tmp" ||
    die "mke2fs failed"
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | sed "s|^\\.\\(.*\\)|sif \\1 ctime @$epoch|") >"$tmp/ctimes"
  echo "sif / ctime @$epoch" >>"$tmp/ctimes"
  debugfs -w -f "$tmp/ctimes" "$output.tmp" >/dev/null 2>"$tmp/debugfs.err" || die "debugfs failed: $(cat "$tmp/debugfs.err")"
  e2fsck -fn "$output.tmp" >"$tmp/fsck.log" 2>&1 || die "the new image does not check clean: $(cat "$tmp/fsck.log")"
  mv "$output.tmp" "$output"
}
