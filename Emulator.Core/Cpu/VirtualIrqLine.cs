using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Emulator.Core.Unicorn;

namespace Emulator.Core.Cpu;

/// <summary>
/// The CPU's virtual IRQ input, drivable from any thread.
///
/// Unicorn has no interrupt API; QEMU's own logic takes a virtual IRQ when the CPU's interrupt_request
/// word has CPU_INTERRUPT_VIRQ set (what HCR_EL2.VI sets). Writing HCR_EL2 through Unicorn from the timer
/// or console thread also rebuilds the CPU's cached flags concurrently with the running guest, which was
/// seen to corrupt it, so the bit is set directly. Its place is found like the fault syndrome: the CPU
/// state is located in this process's memory by planting marker values in the general registers (reads
/// go through /proc/self/mem, which cannot fault); the request word is the one that gains exactly one bit
/// when HCR_EL2.VI is written; and a scratch guest spinning with IRQs unmasked must take the interrupt
/// once the bit is set and it is kicked (QEMU's icount_decr exit request). If any step fails the machine
/// refuses to start.
///
/// Kicking a live guest is exact only while its translated code checks for exits at block starts alone (see
/// <see cref="ExitRequestChecks"/>); with Unicorn's checks after every access, an exit there replays the access
/// (measured: a UART store printed twice). <see cref="Vcpu"/> decides when it kicks.
/// </summary>
public sealed unsafe class VirtualIrqLine
{
    private readonly int* _interruptRequest;
    private readonly int _virqMask;
    private readonly short* _exitRequest;

    private VirtualIrqLine(ulong env, Layout layout)
    {
        _interruptRequest = (int*)(ulong)((long)env + layout.InterruptRequest);
        _virqMask = layout.VirqMask;
        _exitRequest = (short*)(ulong)((long)env + layout.ExitRequest);
    }

    /// <summary>
    /// Raises or lowers the CPU's virtual IRQ input from any thread, as QEMU's cpu_interrupt and
    /// cpu_reset_interrupt do, without calling into Unicorn (a system register write from another
    /// thread rebuilds the CPU's cached flags under the running guest's feet). The guest takes the
    /// interrupt at its next exit from its chain of translated blocks: an exception, a trapped timer
    /// register access, an interrupt unmask, WFI, or a kick (<see cref="RequestExit"/>).
    /// </summary>
    public void Set(bool level)
    {
        if (level)
        {
            Interlocked.Or(ref *_interruptRequest, _virqMask);
        }
        else
        {
            Interlocked.And(ref *_interruptRequest, ~_virqMask);
        }
    }

    /// <summary>
    /// Asks the CPU to leave its translated code at the next exit check (QEMU's cpu_exit: icount_decr's high half,
    /// found by the calibration), from any thread. Only while the translated code checks for exits at block starts
    /// alone (see <see cref="ExitRequestChecks"/>): then the exit comes before the next block, exactly, and QEMU takes
    /// a pending interrupt there.
    /// </summary>
    public void RequestExit() => Volatile.Write(ref *_exitRequest, (short)-1);

    private readonly record struct Layout(long InterruptRequest, int VirqMask, long ExitRequest);

    private static readonly object CalibrationGate = new();
    private static Layout? s_layout;

    /// <summary>The IRQ line of the engine whose CPU state is at <paramref name="env"/> (see <see cref="LocateCpuState"/>).</summary>
    public static VirtualIrqLine For(ulong env, CpuModel model)
    {
        Layout layout;
        lock (CalibrationGate)
        {
            s_layout ??= Calibrate(model);
            layout = s_layout.Value;
        }

        return new VirtualIrqLine(env, layout);
    }

    // QEMU's CPUARMState begins with uint32_t regs[16], then uint64_t xregs[32], then pc.
    private const int XregsOffset = 64;
    private const int PcAfterX0 = 256;
    private const int Markers = 8;

    /// <summary>Finds the address of the engine's CPUARMState (env).</summary>
    public static ulong LocateCpuState(UnicornEngine engine)
    {
        var saved = new ulong[Markers + 1];
        var markers = new ulong[Markers + 1];
        for (var i = 0; i < Markers; i++)
        {
            saved[i] = engine.ReadX(i);
        }

        saved[Markers] = engine.Read(Arm64Reg.Pc);
        Random.Shared.NextBytes(MemoryMarshal.AsBytes(markers.AsSpan()));
        for (var i = 0; i < Markers; i++)
        {
            markers[i] |= 1UL << 63;
            engine.WriteX(i, markers[i]);
        }

        markers[Markers] = (markers[Markers] | 3) & ~3UL;
        engine.Write(Arm64Reg.Pc, markers[Markers]);
        try
        {
            var found = ProcessMemory.FindAll(markers.AsSpan(0, Markers), engine.Handle)
                .Where(address => ProcessMemory.ReadU64(address + PcAfterX0) == markers[Markers])
                .ToList();
            if (found.Count != 1)
            {
                throw new InvalidOperationException(
                    $"cannot locate the CPU state of Unicorn {UnicornEngine.LibraryVersion} in memory " +
                    $"({found.Count} candidates); this Unicorn build is not supported (expected 2.1.4)");
            }

            return found[0] - XregsOffset;
        }
        finally
        {
            for (var i = 0; i < Markers; i++)
            {
                engine.WriteX(i, saved[i]);
            }

            engine.Write(Arm64Reg.Pc, saved[Markers]);
        }
    }

    private const ulong ProbeBase = 0x4000_0000;

    // Loop iterations the probe runs with the interrupt pended and no kick (about a millisecond's worth).
    private const ulong UnkickedIterations = 100_000;
    private const int MarkerOffset = 0x1000;

    // icount_decr is the last member of CPUNegativeOffsetState, which sits right before env; padding
    // decides the exact distance. Candidates in order of likelihood (-16 in Unicorn 2.1.4 on x86-64: a wrong
    // candidate costs a whole wait in the calibration, at every start of the machine); only ones that hold 0
    // (as an idle icount_decr does) are tried.
    private static readonly long[] Candidates = [-16, -8, -4, -12];

    // CPUState (which holds interrupt_request) precedes env inside ARMCPU; this bounds the search.
    private const int CpuStateWindow = 256 << 10;

    /// <summary>
    /// Finds interrupt_request: the one word before env that gains exactly one bit when HCR_EL2.VI is set
    /// through Unicorn (cpu_interrupt) and loses it again when VI is cleared (cpu_reset_interrupt).
    /// </summary>
    private static (long Offset, int Mask) FindInterruptRequest(UnicornEngine engine, ulong env)
    {
        var start = env - CpuStateWindow;
        var before = ProcessMemory.ReadBytes(start, CpuStateWindow);
        engine.Write(SysReg.HcrEl2, CpuState.HcrBase | CpuState.HcrVirtualIrq);
        var raised = ProcessMemory.ReadBytes(start, CpuStateWindow);
        engine.Write(SysReg.HcrEl2, CpuState.HcrBase);
        var lowered = ProcessMemory.ReadBytes(start, CpuStateWindow);
        var found = new List<(long, int)>();
        for (var i = 0; i + 4 <= CpuStateWindow; i += 4)
        {
            var b = BinaryPrimitives.ReadInt32LittleEndian(before.AsSpan(i));
            var r = BinaryPrimitives.ReadInt32LittleEndian(raised.AsSpan(i));
            var l = BinaryPrimitives.ReadInt32LittleEndian(lowered.AsSpan(i));
            var gained = r & ~b;
            if (r != b && (r ^ b) == gained && int.PopCount(gained) == 1 && l == b)
            {
                found.Add((i - (long)CpuStateWindow, gained));
            }
        }

        if (found.Count != 1)
        {
            throw new InvalidOperationException(
                $"cannot locate Unicorn {UnicornEngine.LibraryVersion}'s interrupt request word ({found.Count} candidates); " +
                "this build is not supported (expected 2.1.4)");
        }

        return found[0];
    }

    private static Layout Calibrate(CpuModel model)
    {
        // 0x000: msr daifclr, #2 ; mov x1, #1 ; str x1, [x0]
        // 0x00c: add x2, x2, #1 ; str x2, [x0, #8] ; b 0x00c
        //        (IRQs unmasked, a marker for the host that it got this far, then count forever)
        // 0xa80: hvc #0                         (VBAR 0x800 + 0x280: IRQ taken at EL1 with SP_EL1)
        var memory = (byte*)NativeMemory.AllocZeroed(0x10000);
        try
        {
            using var engine = new UnicornEngine(model);
            engine.MapRam(ProbeBase, 0x10000, memory);
            engine.WriteCode(ProbeBase, 0xD50342FF, 0xD2800021, 0xF9000001, 0x91000442, 0xF9000402, 0x17FFFFFE);
            engine.WriteCode(ProbeBase + 0xA80, 0xD4000002);
            CpuState.EnterEl1(engine);
            engine.Write(Arm64Reg.VbarEl1, ProbeBase + 0x800);
            engine.WriteX(0, ProbeBase + MarkerOffset);
            var env = LocateCpuState(engine);
            var (requestOffset, virqMask) = FindInterruptRequest(engine, env);
            var request = env + (ulong)requestOffset;

            using var taken = new ManualResetEventSlim();
            s_probeEngine = engine;
            s_probeTaken = taken;
            engine.AddInterruptHook(&OnProbeException, 0);
            var runner = new Thread(() => engine.Run(ProbeBase)) { IsBackground = true, Name = "kick calibration" };
            runner.Start();
            try
            {
                // Wait until the guest has unmasked IRQs and is spinning (it writes the marker), however
                // late its thread gets to run.
                var marker = (ulong*)(memory + MarkerOffset);
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (Volatile.Read(ref *marker) != 1)
                {
                    if (waited.ElapsedMilliseconds > 10_000)
                    {
                        throw new InvalidOperationException("interrupt calibration: the probe guest did not start");
                    }

                    Thread.Sleep(1);
                }

                // Pend the interrupt from this thread: the spinning guest must not notice on its own,
                // or there is nothing to calibrate. It has had its chance once it has counted on for a while
                // (not a fixed time: a loaded host may not run its thread for many milliseconds).
                ProcessMemory.WriteU32(request, ProcessMemory.ReadU32(request) | (uint)virqMask);
                var counter = (ulong*)(memory + MarkerOffset + 8);
                var pendedAt = Volatile.Read(ref *counter);
                waited.Restart();
                while (Volatile.Read(ref *counter) - pendedAt < UnkickedIterations && !taken.IsSet)
                {
                    if (waited.ElapsedMilliseconds > 10_000)
                    {
                        throw new InvalidOperationException("interrupt calibration: the probe guest stopped counting");
                    }

                    Thread.Sleep(1);
                }

                if (taken.IsSet)
                {
                    throw new InvalidOperationException(
                        "kick calibration: the guest took the interrupt without a kick; this Unicorn build is not supported");
                }

                foreach (var candidate in Candidates)
                {
                    var address = (ulong)((long)env + candidate);
                    if (ProcessMemory.ReadU32(address) != 0)
                    {
                        continue;
                    }

                    ProcessMemory.WriteU16(address + 2, 0xFFFF);
                    if (taken.Wait(500))
                    {
                        return new Layout(requestOffset, virqMask, candidate + 2);
                    }

                    ProcessMemory.WriteU16(address + 2, 0);
                }

                throw new InvalidOperationException(
                    $"cannot locate Unicorn {UnicornEngine.LibraryVersion}'s interrupt check; this build is not supported (expected 2.1.4)");
            }
            finally
            {
                if (!taken.IsSet)
                {
                    engine.Stop();
                }

                runner.Join();
                s_probeEngine = null;
                s_probeTaken = null;
            }
        }
        finally
        {
            NativeMemory.Free(memory);
        }
    }

    private static UnicornEngine? s_probeEngine;
    private static ManualResetEventSlim? s_probeTaken;

    [UnmanagedCallersOnly]
    private static void OnProbeException(nint uc, uint intno, nint userData)
    {
        s_probeEngine?.Stop();
        s_probeTaken?.Set();
    }
}
