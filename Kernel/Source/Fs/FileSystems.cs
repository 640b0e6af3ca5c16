using System;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Fs.Proc;
using Kernel.Logic.Block;
using Kernel.Logic.Fs;
using Kernel.Logic.Fs.Ext2;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Time;

namespace Kernel.Fs
{
    /// <summary>
    /// The kernel's file systems: the tmpfs root the initramfs unpacks into, mounts of proc,
    /// devtmpfs, tmpfs and sysfs, disks (ext2 read-write, ext4 read-only), and the mount table
    /// /proc/mounts shows.
    /// </summary>
    public static unsafe class FileSystems
    {
        private sealed class MountEntry
        {
            public byte[] Source = Array.Empty<byte>();
            public byte[] Target = Array.Empty<byte>();
            public byte[] Type = Array.Empty<byte>();
            public FileSystem? Fs;
            /// <summary>The disk behind a disk file system (a disk is mounted once at a time).</summary>
            public IBlockDevice? Device;
            public MountEntry? Next;
        }

        private static MountEntry? s_mounts;
        private static ulong s_nextDev = 1;
        public static FileSystem? RootFs;

        private static Timespec Now()
        {
            ulong ns = Clock.RealtimeNanoseconds();
            return new Timespec((long)(ns / 1_000_000_000), (long)(ns % 1_000_000_000));
        }

        private static ulong NextDev() => DeviceNumber.Make(0, (uint)s_nextDev++);

        internal static FileSystem NewTmpfs()
        {
            FileSystem fs = FileSystem.CreateTmpfs(MemoryManager.Pages, MemoryManager.LinearBase, NextDev(), &Cpu.ZeroPages);
            fs.Clock = &Now;
            // Linux's default tmpfs size: half of RAM.
            fs.PageLimit = MemoryManager.TotalBytes / PageAllocator.PageSize / 2;
            return fs;
        }

        /// <summary>The root file system: an empty tmpfs ("rootfs", as Linux calls its initramfs root).</summary>
        public static Inode CreateRoot()
        {
            RootFs = NewTmpfs();
            AddEntry("rootfs"u8, "/"u8, "rootfs"u8, RootFs);
            return RootFs.Root;
        }

        private static void AddEntry(ReadOnlySpan<byte> source, ReadOnlySpan<byte> target, ReadOnlySpan<byte> type, FileSystem fs, IBlockDevice? device = null)
        {
            var e = new MountEntry { Source = Copy(source), Target = Copy(target), Type = Copy(type), Fs = fs, Device = device };
            if (s_mounts == null)
            {
                s_mounts = e;
                return;
            }
            MountEntry last = s_mounts;
            while (last.Next != null)
                last = last.Next;
            last.Next = e;
        }

        private static byte[] Copy(ReadOnlySpan<byte> text)
        {
            byte[] b = new byte[text.Length];
            text.CopyTo(b);
            return b;
        }

        /// <summary>mount(2) for the kinds of file system the kernel has; the target is already resolved.</summary>
        public static int Mount(ReadOnlySpan<byte> source, Inode target, ReadOnlySpan<byte> targetPath, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data = default)
        {
            if (!target.IsDirectory)
                return -Errno.ENOTDIR;
            FileSystem? fs;
            bool devtmpfsCreated = false;
            if (Bytes.Equal(type, "proc"u8))
            {
                fs = ProcFs.Instance ?? ProcFs.Create(NextDev());
            }
            else if (Bytes.Equal(type, "tmpfs"u8))
            {
                fs = NewTmpfs();
            }
            else if (Bytes.Equal(type, "devtmpfs"u8))
            {
                fs = s_devFs;
                if (fs == null)
                {
                    fs = NewTmpfs();
                    Devices.Populate(fs.Root);
                    s_devFs = fs;
                    devtmpfsCreated = true;
                }
            }
            else if (Bytes.Equal(type, "devpts"u8))
            {
                fs = DevPts.Instance;
                int o = DevPts.Configure(data);
                if (o < 0)
                    return o;
                // Already there (the devtmpfs's own /dev/pts): the mount is the one instance, now with these options.
                if (target == fs.Root)
                    return 0;
            }
            else if (Bytes.Equal(type, "sysfs"u8))
            {
                fs = s_sysFs ??= SysFs.Create(NewTmpfs());
            }
            else
            {
                return -Errno.ENODEV;
            }
            int r = Vfs.Mount(target, fs.Root);
            if (r < 0)
                return r;
            AddEntry(source, targetPath, type, fs);
            if (devtmpfsCreated)
                MountDevPtsIn(fs.Root, targetPath);
            return 0;
        }

        /// <summary>
        /// devpts on the new devtmpfs's pts directory, so /dev/ptmx works without a mount (Linux needs
        /// `mount -t devpts devpts /dev/pts`, which still succeeds here).
        /// </summary>
        private static void MountDevPtsIn(Inode devRoot, ReadOnlySpan<byte> devPath)
        {
            FileSystem pts = DevPts.Instance;
            if (pts.Root.MountPoint != null || devRoot.Lookup("pts"u8, out Inode? dir) < 0 || Vfs.Mount(dir!, pts.Root) < 0)
                return;
            Span<byte> path = stackalloc byte[Vfs.PathMax];
            if (devPath.Length + 4 > path.Length)
                return;
            devPath.CopyTo(path);
            int n = devPath.Length;
            if (n > 1)
                path[n++] = (byte)'/';
            "pts"u8.CopyTo(path.Slice(n));
            AddEntry("devpts"u8, path.Slice(0, n + 3), "devpts"u8, pts);
        }

        private static FileSystem? s_devFs, s_sysFs;

        /// <summary>True for the names mount(2) takes for disk file systems (Linux's ext4 driver serves all three).</summary>
        public static bool IsDiskType(ReadOnlySpan<byte> type)
            => Bytes.Equal(type, "ext2"u8) || Bytes.Equal(type, "ext3"u8) || Bytes.Equal(type, "ext4"u8);

        /// <summary>
        /// Mounts the ext2/ext4 file system on <paramref name="device"/> (device number <paramref name="rdev"/>)
        /// at <paramref name="target"/>. The reason for a refusal goes to the kernel log, as Linux's
        /// "EXT4-fs (vda): ..." lines do. ext4 mounts only read-only: asked for read-write, -EROFS.
        /// </summary>
        public static int MountDisk(ReadOnlySpan<byte> source, IBlockDevice device, ulong rdev, Inode target,
            ReadOnlySpan<byte> targetPath, ReadOnlySpan<byte> type, bool readOnly, out FileSystem? mounted)
        {
            mounted = null;
            if (!target.IsDirectory)
                return -Errno.ENOTDIR;
            for (MountEntry? e = s_mounts; e != null; e = e.Next)
                if (e.Device == device)
                    return -Errno.EBUSY;
            // The buffer cache: an eighth of memory, at most 64 MiB (its blocks are the file system's).
            ulong cacheBytes = MemoryManager.TotalBytes / 8;
            if (cacheBytes > 64UL << 20)
                cacheBytes = 64UL << 20;
            int r = Ext2FileSystem.Mount(device, readOnly, rdev, out FileSystem? fs, out string? error, (int)(cacheBytes / 4096));
            if (r < 0)
            {
                Log.Line($"{type}: cannot mount {source}: {error} (error {-r})");
                return r;
            }
            fs!.Clock = &Now;
            fs.ReadOnly = readOnly || device.ReadOnly;
            // File pages that programs run from and map (the page cache): at most an eighth of memory.
            fs.SetPageMemory(MemoryManager.Pages, MemoryManager.LinearBase, &Cpu.ZeroPages);
            fs.PageLimit = MemoryManager.TotalBytes / PageAllocator.PageSize / 8;
            r = Vfs.Mount(target, fs.Root);
            if (r < 0)
            {
                fs.Operations!.Unmount();
                Owned.Free(fs.Operations);
                Owned.Free(fs);
                return r;
            }
            AddEntry(source, targetPath, type, fs, device);
            mounted = fs;
            WriteBack.Start();
            return 0;
        }

        /// <summary>mount -o remount[,ro]: switches a disk file system between read-write and read-only.</summary>
        public static int Remount(Inode target, bool readOnly)
        {
            FileSystem? fs = target.Fs;
            if (fs == null || fs.Root != target)
                return -Errno.EINVAL;
            if (fs.Operations == null)
                return 0;
            int r = fs.Operations.Remount(readOnly);
            if (r < 0)
                return r;
            fs.ReadOnly = readOnly;
            return 0;
        }

        /// <summary>
        /// sync(2): every disk file system written back (each flushes its disk when it wrote), and with
        /// <paramref name="flushDisks"/> every disk's cache flushed too (writes to /dev/vda bypass file systems).
        /// </summary>
        public static int SyncAll(bool flushDisks = true)
        {
            int result = 0;
            for (MountEntry? e = s_mounts; e != null; e = e.Next)
            {
                if (e.Fs?.Operations is FileSystemOperations ops)
                {
                    int r = ops.Sync();
                    if (r < 0 && result == 0)
                        result = r;
                }
            }
            for (int i = 0; flushDisks && i < BlockDevices.Count; i++)
                BlockDevices.At(i).Device.Flush();
            return result;
        }

        /// <summary>
        /// Lets disk file systems drop inodes nobody holds (their caches are bounded only here). Called by
        /// the write-back thread: it runs only while every other thread is in user mode or asleep, and no
        /// system call sleeps half-way through a path walk (disk waits keep the CPU).
        /// </summary>
        public static void TrimAll()
        {
            for (MountEntry? e = s_mounts; e != null; e = e.Next)
                e.Fs?.Operations?.Trim();
        }

        public static int Unmount(Inode target)
        {
            if (target.MountPoint == null)
                return -Errno.EINVAL;
            FileSystem? fs = target.Fs;
            FileSystemOperations? ops = fs?.Operations;
            if (ops != null && ops.Busy)
                return -Errno.EBUSY;
            int r = Vfs.Unmount(target);
            if (r < 0)
                return r;
            MountEntry? previous = null;
            for (MountEntry? e = s_mounts; e != null; e = e.Next)
            {
                if (e.Fs != null && e.Fs == fs)
                {
                    if (previous == null) s_mounts = e.Next; else previous.Next = e.Next;
                    Owned.Free(e.Source);
                    Owned.Free(e.Target);
                    Owned.Free(e.Type);
                    Owned.Free(e);
                    break;
                }
                previous = e;
            }
            // A disk file system ends here: written back, marked clean, its caches, inodes (the root
            // included) and objects freed. Nothing may touch target or fs after this.
            if (ops != null)
            {
                r = ops.Unmount();
                if (r < 0)
                    Log.Line($"umount: writing the file system back failed: error {-r}");
                Owned.Free(ops);
                Owned.Free(fs);
            }
            return 0;
        }

        public static void RenderMounts(ref TextBuilder t)
        {
            for (MountEntry? e = s_mounts; e != null; e = e.Next)
            {
                // Under a root disk the initial tmpfs is out of every process's sight, as on Linux.
                if (e.Fs == RootFs && RootFs!.Root.MountedHere != null)
                    continue;
                t.Append(e.Source); t.Append((byte)' ');
                t.Append(e.Target); t.Append((byte)' ');
                t.Append(e.Type);
                t.Append(e.Fs != null && e.Fs.ReadOnly ? " ro,relatime 0 0\n"u8 : " rw,relatime 0 0\n"u8);
            }
        }

        /// <summary>
        /// The absolute path <paramref name="path"/> names, with "." "..", repeated slashes and
        /// symlinks (the last component's too) resolved: what Linux shows in /proc/PID/exe and fd/N.
        /// Returns its length in <paramref name="buffer"/> (no NUL) or -errno.
        /// </summary>
        public static int CanonicalPath(Inode root, Inode start, ReadOnlySpan<byte> path, Span<byte> buffer)
        {
            Span<byte> current = stackalloc byte[Vfs.PathMax];
            Span<byte> link = stackalloc byte[Vfs.PathMax];
            if (path.Length >= Vfs.PathMax)
                return -Errno.ENAMETOOLONG;
            path.CopyTo(current);
            int length = path.Length;
            for (int hops = 0; hops <= Vfs.MaxSymlinks; hops++)
            {
                int r = Vfs.ResolveParent(root, start, current.Slice(0, length), out Inode? dir, out ReadOnlySpan<byte> name, out _);
                if (r < 0)
                    return r;
                int n = PathOf(dir!, root, buffer);
                if (n < 0)
                    return n;
                if (name.Length == 0 || (name.Length == 1 && name[0] == '.'))
                    return n;
                Inode? node = null;
                if (!(name.Length == 2 && name[0] == '.' && name[1] == '.'))
                    dir!.Lookup(name, out node);
                if (node == null || !node.IsSymlink)
                {
                    if (name.Length == 2 && name[0] == '.' && name[1] == '.')
                        return Vfs.Resolve(root, start, current.Slice(0, length), 0, out Inode? d) < 0 ? -Errno.ENOENT : PathOf(d!, root, buffer);
                    if (n + 1 + name.Length > buffer.Length)
                        return -Errno.ENAMETOOLONG;
                    if (n != 1)
                        buffer[n++] = (byte)'/';
                    name.CopyTo(buffer.Slice(n));
                    return n + name.Length;
                }
                // Follow the link: an absolute target replaces the path, a relative one joins the directory.
                int t = node.ReadLink(link);
                if (t < 0)
                    return t;
                if (t > 0 && link[0] == '/')
                {
                    link.Slice(0, t).CopyTo(current);
                    length = t;
                }
                else
                {
                    if (n + 1 + t >= Vfs.PathMax)
                        return -Errno.ENAMETOOLONG;
                    buffer.Slice(0, n).CopyTo(current);
                    length = n;
                    if (n != 1)
                        current[length++] = (byte)'/';
                    link.Slice(0, t).CopyTo(current.Slice(length));
                    length += t;
                }
                start = root;
            }
            return -Errno.ELOOP;
        }

        /// <summary>The path of <paramref name="node"/> seen from <paramref name="root"/> (no NUL); -errno.</summary>
        public static int PathOf(Inode node, Inode root, Span<byte> buffer)
        {
            int r = Vfs.PathOf(root, node, buffer);
            return r < 0 ? r : r - 1;
        }
    }
}
