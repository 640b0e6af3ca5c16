#!/bin/sh
# /init of the default Linux guest's initramfs: Debian's static busybox, Linux's virtio and ext4
# modules, then either a shell on the console or, with root=DEVICE on the command line, the root file
# system on that disk (as an initramfs-tools initramfs would do).
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in $(cat /lib/modules/load-order); do
  insmod "/lib/modules/$m.ko" || echo "init: could not load $m"
done
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root PS1='/ # '
cd /

root= rootfstype=auto rootmode=ro init=/sbin/init
for word in $(cat /proc/cmdline); do
  case "$word" in
    root=*) root=${word#root=} ;;
    rootfstype=*) rootfstype=${word#rootfstype=} ;;
    rw) rootmode=rw ;;
    ro) rootmode=ro ;;
    init=*) init=${word#init=} ;;
  esac
done
if [ -n "$root" ]; then
  # The disk appears when its driver has probed it: wait up to 5 s.
  n=0
  while [ ! -b "$root" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
  mkdir -p /newroot
  if mount -t "$rootfstype" -o "$rootmode" "$root" /newroot; then
    mount --move /dev /newroot/dev 2>/dev/null
    umount /proc /sys
    exec switch_root /newroot "$init"
  fi
  echo "init: cannot mount $root; staying in the initramfs"
fi

echo "busybox initramfs ready"
# setsid + cttyhack give the shell a controlling terminal, so Ctrl-C and job control work.
while true; do
  setsid cttyhack /bin/sh -l
done
