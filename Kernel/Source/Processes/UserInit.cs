using System;
using Kernel.Arch;
using Kernel.Crypto;
using Kernel.Diagnostics;
using Kernel.Fs;
using Kernel.Logic.Block;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;
using Kernel.Time;
using Kernel.Traps;
using Kernel.Tty;

namespace Kernel.Processes
{
    /// <summary>
    /// Starts user space as Linux does: the initrd (newc cpio, gzip-compressed or not), if any, is
    /// unpacked into a tmpfs root and its pages are given back; pid 1 runs its /init (or what rdinit=
    /// or init= names). Without one, the disk root= names is mounted (ro unless "rw", as rootfstype=
    /// says) and pid 1 runs init= or the first of /sbin/init, /etc/init, /bin/init, /bin/sh. The
    /// console is stdin, stdout and stderr.
    /// </summary>
    public static unsafe class UserInit
    {
        /// <summary>Runs init from the initramfs at [<paramref name="initrdStart"/>, <paramref name="initrdEnd"/>) as the kernel command line <paramref name="bootArguments"/> says.</summary>
        public static void Start(ulong initrdStart, ulong initrdEnd, ReadOnlySpan<byte> bootArguments)
        {
            PageRefs.Initialize();
            Clock.Initialize();
            Alarms.Initialize();
            Random.Seed(default);
            SerialConsole.Initialize();
            Syscalls.Initialize(bootArguments);

            Inode root = FileSystems.CreateRoot();
            int r;
            if (initrdEnd > initrdStart)
            {
                r = Unpack(initrdStart, initrdEnd);
                if (r < 0)
                {
                    Log.Line($"initramfs: cannot unpack: error {-r}");
                    return;
                }
                Log.Line($"initramfs: unpacked {(initrdEnd - initrdStart) / 1024} KiB, {FileSystems.RootFs!.PagesInUse * 4} KiB in files; mem free {MemoryManager.Pages.FreeBytes >> 10} KiB");
            }

            ReadOnlySpan<byte> path = "/init"u8;
            ReadOnlySpan<byte> args = bootArguments;
            if (BootArgs.TryGet(args, "rdinit"u8, out ReadOnlySpan<byte> rdinit) && rdinit.Length > 0)
                path = rdinit;
            bool namedInit = BootArgs.TryGet(args, "init"u8, out ReadOnlySpan<byte> named) && named.Length > 0;
            // An initramfs with its init wins; otherwise the root= disk is the root (Linux's order).
            if (Vfs.Resolve(root, root, path, 0, out _) < 0 && BootArgs.TryGet(args, "root"u8, out ReadOnlySpan<byte> rootDevice))
            {
                root = MountRoot(rootDevice, args);
                path = namedInit ? named : FirstInit(root);
            }
            else if (namedInit)
            {
                path = named;
            }

            Process? init = Process.CreateInit(new FsContext(root, root));
            if (init == null)
                ThrowHelpers.Panic("cannot create init");
            for (int fd = 0; fd < 3; fd++)
                init.Files!.Install(TerminalFile.Console(OpenFlags.ReadWrite), false);

            Exec.Strings strings = InitStrings(path, args);
            r = ExecSyscalls.ExecInit(init, path, strings);
            strings.Free();
            if (r < 0)
            {
                Log.Line($"init: cannot run {path}: error {-r}");
                return;
            }
            Log.Line($"init: started {path} as pid {init.Pid}");
            Cpu.SetUserTables(0);
            Scheduler.Start(init.Thread!);
            Scheduler.RunIdle();
        }

        /// <summary>
        /// Mounts the disk <paramref name="device"/> names (/dev/vda and the like) over the tmpfs root and
        /// returns the disk's root directory. A root that cannot be mounted ends the boot, as on Linux.
        /// </summary>
        private static Inode MountRoot(ReadOnlySpan<byte> device, ReadOnlySpan<byte> args)
        {
            ReadOnlySpan<byte> name = device;
            if (name.Length > 5 && Bytes.Equal(name.Slice(0, 5), "/dev/"u8))
                name = name.Slice(5);
            BlockDeviceEntry? entry = BlockDevices.Count > 0 ? BlockDevices.Table.Find(name) : null;
            if (entry == null)
            {
                Log.Line($"VFS: cannot open root device \"{device}\": no such disk (disks: {BlockDevices.Count})");
                ThrowHelpers.Panic("VFS: unable to mount root fs");
            }
            bool readOnly = !BootArgs.TryGet(args, "rw"u8, out _);
            ulong rdev = DeviceNumber.Make(entry!.Major, entry.Minor);
            Inode tmpRoot = FileSystems.RootFs!.Root;
            int r;
            FileSystem? fs = null;
            if (BootArgs.TryGet(args, "rootfstype"u8, out ReadOnlySpan<byte> type) && type.Length > 0)
            {
                r = FileSystems.IsDiskType(type)
                    ? FileSystems.MountDisk("/dev/root"u8, entry.Device, rdev, tmpRoot, "/"u8, type, readOnly, out fs)
                    : -Errno.ENODEV;
            }
            else
            {
                // As Linux tries each file system in turn: ext2, then ext4 (whose features this kernel reads only).
                type = "ext2"u8;
                r = FileSystems.MountDisk("/dev/root"u8, entry.Device, rdev, tmpRoot, "/"u8, type, readOnly, out fs);
                if (r == -Errno.EROFS)
                {
                    type = "ext4"u8;
                    Log.Line("VFS: the root file system has ext4 features: mounting it read-only");
                    r = FileSystems.MountDisk("/dev/root"u8, entry.Device, rdev, tmpRoot, "/"u8, type, true, out fs);
                }
            }
            if (r < 0)
            {
                Log.Line($"VFS: cannot mount root fs on {device} as {type}: error {-r}");
                ThrowHelpers.Panic("VFS: unable to mount root fs");
            }
            Log.Line($"VFS: mounted root ({type} filesystem) {(fs!.ReadOnly ? "readonly" : "read-write")} on device {entry.Major}:{entry.Minor}");
            return fs.Root;
        }

        /// <summary>The init Linux looks for on a root disk when init= names none.</summary>
        private static ReadOnlySpan<byte> FirstInit(Inode root)
        {
            if (Vfs.Resolve(root, root, "/sbin/init"u8, 0, out _) == 0)
                return "/sbin/init"u8;
            if (Vfs.Resolve(root, root, "/etc/init"u8, 0, out _) == 0)
                return "/etc/init"u8;
            if (Vfs.Resolve(root, root, "/bin/init"u8, 0, out _) == 0)
                return "/bin/init"u8;
            return "/bin/sh"u8;
        }

        private static bool IsKernelParameter(ReadOnlySpan<byte> key)
            => Bytes.Equal(key, "hz"u8) || Bytes.Equal(key, "test"u8) || Bytes.Equal(key, "init"u8)
            || Bytes.Equal(key, "rdinit"u8) || Bytes.Equal(key, "systrace"u8) || Bytes.Equal(key, "console"u8)
            || Bytes.Equal(key, "quiet"u8) || Bytes.Equal(key, "panic"u8) || Bytes.Equal(key, "loglevel"u8)
            || Bytes.Equal(key, "earlycon"u8) || Bytes.Equal(key, "root"u8) || Bytes.Equal(key, "rootfstype"u8)
            || Bytes.Equal(key, "rootwait"u8) || Bytes.Equal(key, "ro"u8) || Bytes.Equal(key, "rw"u8);

        /// <summary>
        /// init's argv and environment as Linux builds them from the command line: words after "--"
        /// (and words the kernel does not know) are arguments, unknown NAME=value words are the
        /// environment (after HOME=/ and TERM=linux).
        /// </summary>
        private static Exec.Strings InitStrings(ReadOnlySpan<byte> path, ReadOnlySpan<byte> commandLine)
        {
            var strings = new Exec.Strings(8192 + path.Length + 2 * commandLine.Length);
            Span<byte> b = strings.Buffer;
            int at = 0;
            path.CopyTo(b);
            at += path.Length;
            b[at++] = 0;
            // Arguments first (one pass), then the environment (a second pass).
            for (int pass = 0; pass < 2; pass++)
            {
                if (pass == 1)
                {
                    strings.ArgLength = at;
                    ReadOnlySpan<byte> defaults = "HOME=/\0TERM=linux\0"u8;
                    defaults.CopyTo(b.Slice(at));
                    at += defaults.Length;
                }
                bool afterDashes = false;
                int i = 0;
                while (i < commandLine.Length)
                {
                    while (i < commandLine.Length && commandLine[i] == ' ') i++;
                    int start = i;
                    while (i < commandLine.Length && commandLine[i] != ' ') i++;
                    ReadOnlySpan<byte> word = commandLine.Slice(start, i - start);
                    if (word.Length == 0)
                        continue;
                    if (!afterDashes && word.Length == 2 && word[0] == '-' && word[1] == '-')
                    {
                        afterDashes = true;
                        continue;
                    }
                    int eq = Bytes.IndexOf(word, (byte)'=');
                    bool isArgument = afterDashes || (eq < 0 && !IsKernelParameter(word));
                    bool isEnvironment = !afterDashes && eq > 0 && !IsKernelParameter(word.Slice(0, eq)) && Bytes.IndexOf(word, (byte)'.') < 0;
                    if ((pass == 0 && isArgument) || (pass == 1 && isEnvironment))
                    {
                        if (at + word.Length + 1 >= b.Length)
                            break;
                        word.CopyTo(b.Slice(at));
                        at += word.Length;
                        b[at++] = 0;
                    }
                }
            }
            strings.EnvLength = at - strings.ArgLength;
            return strings;
        }

        private static int Unpack(ulong start, ulong end)
        {
            ulong size = end - start;
            var image = new ReadOnlySpan<byte>((void*)MemoryManager.PhysicalToVirtual(start), (int)size);
            int scratchSize = Tmpfs.ScratchSize(image);
            if (scratchSize < 0)
                return scratchSize;
            ulong scratchPages = ((ulong)scratchSize + PageAllocator.PageSize - 1) / PageAllocator.PageSize;
            ulong scratch = 0;
            if (scratchPages > 0)
            {
                scratch = MemoryManager.Pages.AllocatePages(scratchPages);
                if (scratch == 0)
                    return -Errno.ENOMEM;
            }
            int r = Tmpfs.UnpackImage(FileSystems.RootFs!, image,
                new Span<byte>((void*)MemoryManager.PhysicalToVirtual(scratch), scratchSize));
            if (scratch != 0)
                MemoryManager.Pages.FreePages(scratch, scratchPages);
            // The initrd's pages are free memory from now on (as Linux frees the initramfs).
            ulong first = (start + PageAllocator.PageSize - 1) & ~(PageAllocator.PageSize - 1), last = end & ~(PageAllocator.PageSize - 1);
            if (last > first)
                MemoryManager.Pages.FreePages(first, (last - first) / PageAllocator.PageSize);
            return r;
        }
    }
}
