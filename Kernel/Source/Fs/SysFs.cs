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
            // One CPU: procps (top, vmstat) and glibc's sysconf count CPUs here.
            Inode cpu = Dir(Dir(Dir(root, "devices"u8), "system"u8), "cpu"u8);
            Dir(cpu, "cpu0"u8);
            File(cpu, "online"u8, "0\n"u8);
            File(cpu, "possible"u8, "0\n"u8);
            File(cpu, "present"u8, "0\n"u8);
            return fs;
        }

        private static void File(Inode dir, ReadOnlySpan<byte> name, ReadOnlySpan<byte> text)
        {
            if (dir.CreateNode(name, InodeMode.S_IFREG | InodeMode.S_IRUGO, 0, 0, 0, out Inode? file) == 0)
                file!.Write(0, text);
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
