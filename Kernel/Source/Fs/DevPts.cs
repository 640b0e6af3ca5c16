using System;
using Kernel.Logic;
using Kernel.Logic.Fs;
using Kernel.Logic.Tty;

namespace Kernel.Fs
{
    /// <summary>
    /// devpts: the directory of pseudo-terminal slaves, /dev/pts/N (136,N) while pair N exists, and
    /// /dev/pts/ptmx (5,2). One instance (Linux's initial one), kept in a tmpfs so stat, chmod and chown
    /// of the nodes work as on any file. It is mounted on /dev/pts of the kernel's devtmpfs when that is
    /// created; `mount -t devpts devpts /dev/pts` there again succeeds and applies its options
    /// (mode=, gid=, uid=, ptmxmode=), elsewhere it is EBUSY (no second instance).
    /// </summary>
    public static class DevPts
    {
        private static FileSystem? s_fs;
        private static DevPtsOptions s_options = DevPtsOptions.Default;

        public static FileSystem Instance
        {
            get
            {
                if (s_fs == null)
                {
                    s_fs = FileSystems.NewTmpfs();
                    s_fs.Root.Mode = InodeMode.S_IFDIR | 0x1ED; // drwxr-xr-x
                    s_fs.Root.CreateNode("ptmx"u8, InodeMode.S_IFCHR | s_options.PtmxMode, DeviceNumber.Make(Devices.TtyMajor, 2), 0, 0, out _);
                }
                return s_fs;
            }
        }

        /// <summary>The options of a devpts mount; 0 or -EINVAL.</summary>
        public static int Configure(ReadOnlySpan<byte> data)
        {
            int r = DevPtsOptions.Parse(data, out DevPtsOptions options);
            if (r < 0)
                return r;
            s_options = options;
            if (Instance.Root.Lookup("ptmx"u8, out Inode? ptmx) == 0)
                Vfs.SetMode(ptmx!, options.PtmxMode);
            return 0;
        }

        /// <summary>Creates /dev/pts/<paramref name="index"/> for the opener (uid, gid), with the mount's mode and gid.</summary>
        public static int AddNode(int index, ulong rdev, uint uid, uint gid)
        {
            Span<byte> name = stackalloc byte[12];
            int n = Name(index, name);
            return Instance.Root.CreateNode(name.Slice(0, n), InodeMode.S_IFCHR | s_options.Mode,
                rdev, s_options.SetUid ? s_options.Uid : uid, s_options.SetGid ? s_options.Gid : gid, out _);
        }

        public static void RemoveNode(int index)
        {
            Span<byte> name = stackalloc byte[12];
            int n = Name(index, name);
            Instance.Root.Remove(name.Slice(0, n));
        }

        private static int Name(int index, Span<byte> name)
        {
            var t = new TextBuilder(name);
            t.Decimal((ulong)index);
            return t.Length;
        }
    }
}
