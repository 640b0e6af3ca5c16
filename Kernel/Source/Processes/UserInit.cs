using System;
using Kernel.Arch;
using Kernel.Boot;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Logic.Fs;
using Kernel.Memory;
using Kernel.Processes.Fs;
using Kernel.Threading;

namespace Kernel.Processes
{
    /// <summary>
    /// Starts user space as Linux does with an initramfs: the initrd (newc cpio, gzip-compressed or
    /// not) is unpacked into a tmpfs root, its pages are given back, and pid 1 runs /init (or what
    /// init= names) with the console as stdin, stdout and stderr.
    /// </summary>
    public static unsafe class UserInit
    {
        public static void Start(ulong initrdStart, ulong initrdEnd)
        {
            PageRefs.Initialize();
            Time.Initialize();
            Random.Seed(default);
            Console.Initialize();
            Syscalls.Initialize();

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
            if (BootArgs.TryGet(KernelEntryPoint.BootArguments, "init"u8, out ReadOnlySpan<byte> named) && named.Length > 0)
                path = named;
            var strings = new Exec.Strings(4096 + path.Length);
            path.CopyTo(strings.Buffer);
            strings.ArgLength = path.Length + 1;
            ReadOnlySpan<byte> env = "HOME=/\0TERM=linux\0"u8;
            env.CopyTo(new Span<byte>(strings.Buffer, strings.ArgLength, env.Length));
            strings.EnvLength = env.Length;
            r = Syscalls.ExecInit(init, path, strings);
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

        private static int Unpack(ulong start, ulong end)
        {
            ulong size = end - start;
            var image = new ReadOnlySpan<byte>((void*)MemoryManager.PhysicalToVirtual(start), (int)size);
            int scratchSize = Tmpfs.ScratchSize(image);
            if (scratchSize < 0)
                return scratchSize;
            ulong scratchPages = ((ulong)scratchSize + 4095) / 4096;
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
            ulong first = (start + 4095) & ~4095UL, last = end & ~4095UL;
            if (last > first)
                MemoryManager.Pages.FreePages(first, (last - first) / 4096);
            return r;
        }
    }
}
