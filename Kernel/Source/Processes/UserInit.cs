using System;
using Kernel.Arch;
using Kernel.Boot;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Processes
{
    /// <summary>Starts user space: the process machinery, the root file system from the initrd, and pid 1.</summary>
    public static unsafe class UserInit
    {
        public static void Start(ulong initrdStart, ulong initrdEnd)
        {
            PageRefs.Initialize();
            Time.Initialize();
            Random.Seed(default);
            Console.Initialize();
            Syscalls.Initialize();

            Process? init = Process.CreateInit(new Fs.FsContext());
            if (init == null)
                ThrowHelpers.Panic("cannot create init");
            for (int fd = 0; fd < 3; fd++)
                init.Files!.Install(new ConsoleFile(OpenFlags.ReadWrite), false);

            byte* initrd = (byte*)MemoryManager.PhysicalToVirtual(initrdStart);
            ulong size = initrdEnd - initrdStart;
            var strings = new Exec.Strings(4096);
            ReadOnlySpan<byte> path = "/init"u8;
            path.CopyTo(strings.Buffer);
            strings.ArgLength = path.Length + 1;
            ReadOnlySpan<byte> env = "HOME=/\0TERM=linux\0"u8;
            env.CopyTo(new Span<byte>(strings.Buffer, strings.ArgLength, env.Length));
            strings.EnvLength = env.Length;
            int r;
            if (size >= 4 && initrd[0] == 0x7F && initrd[1] == (byte)'E' && initrd[2] == (byte)'L' && initrd[3] == (byte)'F')
            {
                // An initrd that is itself an ELF executable runs as pid 1 (handy for bring-up tests).
                var source = new ContiguousPages(initrdStart, size);
                r = Exec.Run(init, init.Thread!.UserFrame, source, size, path, strings);
            }
            else
            {
                r = -Errno.ENOENT;
            }
            strings.Free();
            if (r < 0)
            {
                Log.Line($"init: cannot run /init: error {-r}");
                return;
            }
            Log.Line($"init: started pid {init.Pid}");
            Cpu.SetUserTables(0);
            Scheduler.Start(init.Thread!);
            Scheduler.RunIdle();
        }
    }
}
