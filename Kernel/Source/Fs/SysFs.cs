using System;
using Kernel.Logic.Fs;

namespace Kernel.Fs
{
    /// <summary>
    /// A small sysfs: what user space asks of it on this machine. /sys/class/tty/console/active names
    /// the console's real device, so busybox's cttyhack opens /dev/ttyAMA0 as the controlling
    /// terminal, as it does under Linux.
    /// </summary>
    public static class SysFs
    {
        public static FileSystem Create(FileSystem fs)
        {
            Inode root = fs.Root;
            Inode tty = Dir(Dir(Dir(root, "class"u8), "tty"u8), "console"u8);
            if (tty.CreateNode("active"u8, InodeMode.S_IFREG | InodeMode.S_IRUGO, 0, 0, 0, out Inode? active) == 0)
                active!.Write(0, "ttyAMA0\n"u8);
            Dir(root, "kernel"u8);
            Dir(root, "devices"u8);
            return fs;
        }

        private static Inode Dir(Inode parent, ReadOnlySpan<byte> name)
        {
            if (parent.Lookup(name, out Inode? existing) == 0)
                return existing!;
            parent.CreateNode(name, InodeMode.S_IFDIR | 0x1ED, 0, 0, 0, out Inode? dir);
            return dir!;
        }
    }
}
