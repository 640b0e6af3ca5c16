using System.Buffers.Binary;
using Emulator.Core.Unicorn;

namespace Emulator.Core.Cpu;

/// <summary>
/// Where the syndrome (ESR) and fault address (FAR) of the exception Unicorn just reported live.
/// Unicorn has no register id for them: they sit in the saved CPU context at a build-specific offset
/// (see shared/notes/cpu-core.md). The offset is found at start-up by provoking three exceptions of known
/// syndrome on a scratch engine (an SVC, a load from beyond the physical address range, and a timer
/// register access that traps to EL2); if that does not give exactly one answer, the machine refuses to run.
/// </summary>
public sealed unsafe class FaultSyndrome : IDisposable
{
    private readonly nint _context;
    private readonly UnicornEngine _engine;

    private FaultSyndrome(UnicornEngine engine, int offset)
    {
        _engine = engine;
        Offset = offset;
        _context = engine.AllocateContext();
    }

    /// <summary>
    /// Offset of the 32-bit syndrome in the context blob; the 64-bit fault address is 8 bytes on and the
    /// 32-bit target exception level 16 bytes on (QEMU's CPUARMState.exception).
    /// </summary>
    public int Offset { get; }

    public (uint Esr, ulong Far, uint TargetEl) Read()
    {
        _engine.SaveContext(_context);
        var p = (byte*)_context + Offset;
        return (*(uint*)p, *(ulong*)(p + 8), *(uint*)(p + 16));
    }

    public void Dispose() => UnicornEngine.FreeContext(_context);

    private static readonly object CalibrationGate = new();
    private static readonly Dictionary<CpuModel, int> Calibrated = [];

    /// <summary>Calibrates (once per CPU model and process) and binds the result to <paramref name="engine"/>.</summary>
    public static FaultSyndrome For(UnicornEngine engine, CpuModel model)
    {
        lock (CalibrationGate)
        {
            if (!Calibrated.TryGetValue(model, out var offset))
            {
                offset = Calibrate(model);
                Calibrated[model] = offset;
            }

            return new FaultSyndrome(engine, offset);
        }
    }

    private const ulong ProbeBase = 0x4000_0000;
    private const uint SvcImmediate = 0x1234;
    private const uint ExpectedSvcSyndrome = (0x15u << 26) | (1u << 25) | SvcImmediate;
    // With the MMU off, an address beyond the CPU's physical address range is an address size fault.
    private const ulong FaultingAddress = 0x00FF_0000_0000_1238;

    private static int Calibrate(CpuModel model)
    {
        // svc #0x1234 ; ldr x0, [x1] ; b . ; mrs x0, cntp_ctl_el0 (traps to EL2)
        uint[] code = [0xD4000001 | (SvcImmediate << 5), 0xF9400020, 0x14000000, 0xD53BE220];
        var memory = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(0x10000);
        try
        {
            using var engine = new UnicornEngine(model);
            engine.MapRam(ProbeBase, 0x10000, memory);
            engine.WriteCode(ProbeBase, code);
            CpuState.EnterEl1(engine);
            engine.AddInterruptHook(&OnProbeException, 0);
            // Alignment checking on, so the misaligned load faults with a known syndrome and address.
            engine.Write(SysReg.SctlrEl1, engine.Read(SysReg.SctlrEl1) | 2);

            var svcBlob = RunUntilException(engine, ProbeBase);
            engine.WriteX(1, FaultingAddress);
            var abortBlob = RunUntilException(engine, ProbeBase + 4);
            var trapBlob = RunUntilException(engine, ProbeBase + 12);

            var found = new List<int>();
            for (var offset = 0; offset + 20 <= svcBlob.Length; offset += 4)
            {
                var svc = BinaryPrimitives.ReadUInt32LittleEndian(svcBlob.AsSpan(offset));
                var abort = BinaryPrimitives.ReadUInt32LittleEndian(abortBlob.AsSpan(offset));
                var abortAddress = BinaryPrimitives.ReadUInt64LittleEndian(abortBlob.AsSpan(offset + 8));
                // Data abort taken without a change in exception level (EC 0x25), address size fault at
                // level 0 (DFSC 0).
                // A trapped MRS (EC 0x18, read) taken to EL2 rather than EL1.
                var trap = BinaryPrimitives.ReadUInt32LittleEndian(trapBlob.AsSpan(offset));
                var trapEl = BinaryPrimitives.ReadUInt32LittleEndian(trapBlob.AsSpan(offset + 16));
                var svcEl = BinaryPrimitives.ReadUInt32LittleEndian(svcBlob.AsSpan(offset + 16));
                if (svc == ExpectedSvcSyndrome && abort >> 26 == 0x25 && (abort & 0x3F) == 0 &&
                    abortAddress == FaultingAddress && trap >> 26 == 0x18 && (trap & 1) == 1 && trapEl == 2 && svcEl == 1)
                {
                    found.Add(offset);
                }
            }

            if (found.Count != 1)
            {
                throw new InvalidOperationException(
                    $"cannot locate the fault syndrome in Unicorn {UnicornEngine.LibraryVersion}'s CPU context " +
                    $"({found.Count} candidates); this Unicorn build is not supported (expected 2.1.4)");
            }

            return found[0];
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(memory);
        }
    }

    // The probe engine lives on the calibrating thread only; the hook reports through these.
    [ThreadStatic] private static UnicornEngine? s_probeEngine;
    [ThreadStatic] private static byte[]? s_probeBlob;

    private static byte[] RunUntilException(UnicornEngine engine, ulong pc)
    {
        s_probeEngine = engine;
        s_probeBlob = null;
        var error = engine.Run(pc);
        s_probeEngine = null;
        if (error != 0 || s_probeBlob == null)
        {
            throw new InvalidOperationException(
                $"fault syndrome calibration: the probe exception did not arrive ({UnicornEngine.Describe(error)})");
        }

        return s_probeBlob;
    }

    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    private static void OnProbeException(nint uc, uint intno, nint userData)
    {
        var engine = s_probeEngine;
        if (engine == null)
        {
            return;
        }

        var context = engine.AllocateContext();
        try
        {
            engine.SaveContext(context);
            s_probeBlob = new ReadOnlySpan<byte>((void*)context, engine.ContextSize).ToArray();
        }
        finally
        {
            UnicornEngine.FreeContext(context);
        }

        engine.Stop();
    }
}
