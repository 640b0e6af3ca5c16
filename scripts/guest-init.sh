#!/bin/sh
# /init of the default guest's initramfs: Debian's static busybox, a shell on the console.
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root PS1='/ # '
cd /
echo "busybox initramfs ready"
# setsid + cttyhack give the shell a controlling terminal, so Ctrl-C and job control work.
while true; do
  setsid cttyhack /bin/sh -l
done
