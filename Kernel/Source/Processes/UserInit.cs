using System;
using Kernel.Arch;
using Kernel.Crypto;
using Kernel.Diagnostics;
using Kernel.Fs;
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
    /// Starts user space as Linux does with an initramfs: the initrd (newc cpio, gzip-compressed or
    /// not) is unpacked into a tmpfs root, its pages are given back, and pid 1 runs /init (or what
    /// init= names) with the console as stdin, stdout and stderr.
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
            Console.Initialize();
            Syscalls.Initialize(bootArguments);

            Inode root = FileSystems.CreateRoot();
            int r = Unpack(initrdStart, initrdEnd);
            if (r < 0)
            {
                Log.Line($"initramfs: cannot unpack: error {-r}");
                return;
            }
            Log.Line($"initramfs: unpacked {(initrdEnd - initrdStart) / 1024} KiB, {FileSystems.RootFs!.PagesInUse * 4} KiB in files; mem free {MemoryManager.Pages.FreeBytes >> 10} KiB");

            Process? init = Process.CreateInit(new FsContext(root, root));
            if (init == null)
                ThrowHelpers.Panic("cannot create init");
            for (int fd = 0; fd < 3; fd++)
                init.Files!.Install(new ConsoleFile(OpenFlags.ReadWrite), false);

            ReadOnlySpan<byte> path = "/init"u8;
            ReadOnlySpan<byte> args = bootArguments;
            if (BootArgs.TryGet(args, "rdinit"u8, out ReadOnlySpan<byte> rdinit) && rdinit.Length > 0)
                path = rdinit;
            if (BootArgs.TryGet(args, "init"u8, out ReadOnlySpan<byte> named) && named.Length > 0)
                path = named;
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

        private static int IndexOf(ReadOnlySpan<byte> text, byte c)
        {
            for (int i = 0; i < text.Length; i++)
                if (text[i] == c)
                    return i;
            return -1;
        }

        private static bool IsKernelParameter(ReadOnlySpan<byte> key)
            => Bytes.Equal(key, "hz"u8) || Bytes.Equal(key, "test"u8) || Bytes.Equal(key, "init"u8)
            || Bytes.Equal(key, "rdinit"u8) || Bytes.Equal(key, "systrace"u8) || Bytes.Equal(key, "console"u8)
            || Bytes.Equal(key, "quiet"u8) || Bytes.Equal(key, "panic"u8) || Bytes.Equal(key, "loglevel"u8)
            || Bytes.Equal(key, "earlycon"u8) || Bytes.Equal(key, "root"u8);

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
                    int eq = IndexOf(word, (byte)'=');
                    bool isArgument = afterDashes || (eq < 0 && !IsKernelParameter(word));
                    bool isEnvironment = !afterDashes && eq > 0 && !IsKernelParameter(word.Slice(0, eq)) && IndexOf(word, (byte)'.') < 0;
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
