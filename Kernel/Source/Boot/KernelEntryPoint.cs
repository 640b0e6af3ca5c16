using System;
using Internal.Runtime.CompilerHelpers;
using Kernel.Arch;
using Kernel.Diagnostics;
using Kernel.Drivers;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Traps;
using System.Runtime;

namespace Kernel.Boot
{
    /// <summary>
    /// The managed side of boot: module start-up, device tree, memory, drivers, then the console loop.
    /// Everything the board provides (RAM, UART, GIC, timer, RTC, virtio-mmio, bootargs, initrd) comes
    /// from the device tree.
    /// </summary>
    public static unsafe class KernelEntryPoint
    {
        public const string Version = "0.1";
        private const uint DefaultHz = 100;

        private struct BootArena { public fixed byte Data[256 * 1024]; }
        private static BootArena s_bootArena;

        private static BootInfo* s_boot;
        private static ulong s_initrdStart, s_initrdEnd;
        private static DeviceTree s_tree;

        [RuntimeExport("KernelEntry")]
        private static void KernelEntry(BootInfo* boot)
        {
            s_boot = boot;
            fixed (byte* arena = s_bootArena.Data)
                ManagedHeap.SetBootArena(arena);
            StartupCodeHelpers.InitializeModules((IntPtr*)boot->ModulesStart, (IntPtr*)boot->ModulesEnd);
            Panic.Install();

            // Still on the boot mapping: the device tree is reachable at its physical address.
            if (DeviceTree.Open((byte*)boot->DeviceTreePhysical, 2 * 1024 * 1024, out DeviceTree early) < 0)
                Power.Halt(); // nothing to print with: the UART's address is in the device tree
            ReadInitrd(early, out ulong initrdStart, out ulong initrdEnd);
            s_initrdStart = initrdStart;
            s_initrdEnd = initrdEnd;
            int r = MemoryManager.Initialize(early, boot, initrdStart, initrdEnd);
            if (r < 0)
                Power.Halt();
            MemoryManager.SwitchToKernelTables();
            DeviceTree.Open((byte*)MemoryManager.PhysicalToVirtual(boot->DeviceTreePhysical), early.TotalSize, out s_tree);
            MemoryManager.StartHeap();

            StartConsole();
            Log.Line($"Managed kernel {Version} (C# on NativeAOT) for arm64");
            Log.Line($"boot: entered at EL{boot->EntryLevel}, image at {boot->ImagePhysical:x} ({boot->ImageSize / 1024} KiB), dtb at {boot->DeviceTreePhysical:x} ({(ulong)s_tree.TotalSize} bytes)");
            ReadOnlySpan<byte> bootArgs = BootArguments;
            Log.Line($"boot: command line \"{bootArgs}\"");
            if (initrdEnd > initrdStart)
                Log.Line($"initrd: {initrdStart:x} - {initrdEnd:x} ({(initrdEnd - initrdStart) / 1024} KiB)");
            else
                Log.Line("initrd: none");
            Log.Line($"mem: total {MemoryManager.TotalBytes >> 20} MiB, free {MemoryManager.Pages.FreeBytes >> 10} KiB");

            Threading.Scheduler.Initialize();
            StartInterrupts();
            StartTimer();
            StartRtc();
            ListVirtio();
            StartVirtio();
            Input.InputHub.Initialize();
            FwCfg.Initialize(s_tree);
            Ramfb.Initialize(BootArguments);
            Display.FramebufferConsole.Initialize();
            Net.NetSubsystem.Start(BootArguments);

            ulong bootMicroseconds = MicrosecondsSinceEntry();
            RunBootTests();
            Log.Line($"idle loop reached at {bootMicroseconds} us");
            Power.Initialize(s_tree);
            // User space comes from an initramfs or a root disk; with neither, the kernel's own test shell runs.
            if (s_initrdEnd > s_initrdStart || Logic.BootArgs.TryGet(BootArguments, "root"u8, out _))
            {
                Net.NetSubsystem.WaitForConfiguration();
                Processes.UserInit.Start(s_initrdStart, s_initrdEnd, BootArguments);
            }
            Shell.Run();
        }

        public static ReadOnlySpan<byte> BootArguments
        {
            get
            {
                int chosen = s_tree.FindPath("/chosen"u8);
                return s_tree.TryGetString(chosen, "bootargs"u8, out ReadOnlySpan<byte> args) ? args : default;
            }
        }

        public static ulong MicrosecondsSinceEntry()
            => SystemTimer.MicrosecondsBetween(s_boot->EntryCounter, Cpu.PhysicalCounter());

        private static void ReadInitrd(in DeviceTree tree, out ulong start, out ulong end)
        {
            start = end = 0;
            int chosen = tree.FindPath("/chosen"u8);
            if (tree.TryGetProperty(chosen, "linux,initrd-start"u8, out ReadOnlySpan<byte> s)
                && tree.TryGetProperty(chosen, "linux,initrd-end"u8, out ReadOnlySpan<byte> e))
            {
                start = DeviceTree.ReadCells(s, 0, s.Length / 4);
                end = DeviceTree.ReadCells(e, 0, e.Length / 4);
            }
        }

        private static void StartConsole()
        {
            int uart = s_tree.FindCompatible("arm,pl011"u8);
            if (s_tree.GetReg(uart, 0, out ulong address, out ulong size) < 0)
                Power.Halt();
            Pl011.Initialize(MemoryManager.MapDevice(address, size));
        }

        private static void StartInterrupts()
        {
            ulong cpu = 0, cpuSize = 0;
            int gic = s_tree.FindCompatible("arm,cortex-a15-gic"u8);
            if (gic < 0)
                gic = s_tree.FindCompatible("arm,gic-400"u8);
            int found = s_tree.GetReg(gic, 0, out ulong dist, out ulong distSize);
            if (found == 0)
                found = s_tree.GetReg(gic, 1, out cpu, out cpuSize);
            if (found < 0)
                ThrowHelpers.Panic("no GICv2 in the device tree");
            Gic.Initialize(MemoryManager.MapDevice(dist, distSize), MemoryManager.MapDevice(cpu, cpuSize));
            Interrupts.Initialize(Gic.Lines);
            Log.Line($"gic: GICv2 distributor {dist:x}, cpu interface {cpu:x}, {Gic.Lines} lines");

            int uart = s_tree.FindCompatible("arm,pl011"u8);
            if (s_tree.GetInterrupt(uart, 0, out uint uartIrq, out _) == 0)
            {
                Interrupts.Register(uartIrq, &Pl011.HandleInterrupt);
                Gic.Enable(uartIrq, false);
                Log.Line($"uart: pl011 at {Pl011BasePhysical(uart):x}, irq {uartIrq}");
            }
        }

        private static ulong Pl011BasePhysical(int node)
        {
            s_tree.GetReg(node, 0, out ulong address, out _);
            return address;
        }

        private static void StartTimer()
        {
            uint hz = DefaultHz;
            if (BootArgs.TryGet(BootArguments, "hz"u8, out ReadOnlySpan<byte> value) && BootArgs.TryParseUInt(value, out ulong parsed) && parsed >= 1 && parsed <= 10000)
                hz = (uint)parsed;
            // As Linux at EL1: the virtual timer when the node lists it, else the non-secure physical
            // timer (a board or emulator without the virtual timer lists only the physical ones).
            if (ArchTimer.SelectTick(s_tree, out TimerKind kind, out uint irq) < 0)
                ThrowHelpers.Panic("no architected timer in the device tree");
            Interrupts.Register(irq, &SystemTimer.HandleInterrupt);
            Gic.Enable(irq, false);
            SystemTimer.Start(kind, hz);
            Cpu.EnableInterrupts();
            Log.Line($"timer: {(kind == TimerKind.Physical ? "physical" : "virtual")} timer irq {irq}, {SystemTimer.Frequency} Hz counter, tick {hz} Hz");
        }

        private static void StartRtc()
        {
            int rtc = s_tree.FindCompatible("arm,pl031"u8);
            if (s_tree.GetReg(rtc, 0, out ulong address, out ulong size) < 0)
            {
                Log.Line("rtc: none");
                return;
            }
            Pl031.Initialize(MemoryManager.MapDevice(address, size));
            Log.Write("rtc: ");
            Shell.PrintDate(Pl031.Now());
        }

        private static void ListVirtio()
        {
            int count = 0;
            ulong first = 0;
            for (int node = s_tree.FindCompatible("virtio,mmio"u8); node >= 0; node = s_tree.FindCompatible("virtio,mmio"u8, node))
            {
                if (s_tree.GetReg(node, 0, out ulong address, out _) == 0 && (count == 0 || address < first))
                    first = address;
                count++;
            }
            if (count == 0)
                Log.Line("virtio-mmio: none");
            else
                Log.Line($"virtio-mmio: {count} transports, lowest at {first:x}");
        }

        /// <summary>
        /// Drives the device on each virtio-mmio transport, in device-tree order as Linux does (so disks
        /// get the names Linux gives them): its interrupt first, since probing waits for completions.
        /// </summary>
        private static void StartVirtio()
        {
            Drivers.Virtio.VirtioRng.EntropySink = &Crypto.Random.AddEntropy;
            for (int node = s_tree.FindCompatible("virtio,mmio"u8); node >= 0; node = s_tree.FindCompatible("virtio,mmio"u8, node))
            {
                if (s_tree.GetReg(node, 0, out ulong address, out ulong size) < 0 || s_tree.GetInterrupt(node, 0, out uint irq, out uint flags) < 0)
                    continue;
                Drivers.Virtio.VirtioMmio? transport = Drivers.Virtio.VirtioMmio.Open(address, size, irq);
                if (transport == null)
                    continue;
                Interrupts.Register(irq, &Drivers.Virtio.VirtioBus.HandleInterrupt);
                Gic.Enable(irq, (flags & 0xF) == 1 || (flags & 0xF) == 2); // IRQ_TYPE_EDGE_RISING/FALLING
                Drivers.Virtio.VirtioBus.Attach(transport);
            }
        }

        private static void RunBootTests()
        {
            ReadOnlySpan<byte> args = BootArguments;
            if (!BootArgs.TryGet(args, "test"u8, out ReadOnlySpan<byte> test))
                return;
            if (Bytes.Equal(test, "nullderef"u8))
                CrashTests.NullDereference();
            else if (Bytes.Equal(test, "heapstress"u8))
                HeapStress.Run();
            else if (Bytes.Equal(test, "throw"u8))
                CrashTests.Throw();
            else if (Bytes.Equal(test, "corelib"u8))
                CoreLibSelfTest.Run();
            else if (Bytes.Equal(test, "pagetable"u8))
                SystemTests.PageTable();
            else if (Bytes.Equal(test, "readonly"u8))
                SystemTests.ReadOnlyWrite();
            else if (Bytes.Equal(test, "stackoverflow"u8))
                CrashTests.StackOverflow();
            else if (Bytes.Equal(test, "threads"u8))
                SystemTests.Threads();
            else
                Log.Line($"test: unknown test {test}");
        }
    }
}
