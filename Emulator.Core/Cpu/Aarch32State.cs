using System.Runtime.InteropServices;
using Emulator.Core.Unicorn;

namespace Emulator.Core.Cpu;

/// <summary>
/// The AArch32 side of the CPU, read and written in place in Unicorn's CPU state (QEMU's CPUARMState).
///
/// EL1 is AArch64, but EL0 may run A32/T32 code (Linux's COMPAT), and Unicorn executes it. When such code
/// takes a synchronous exception, the host performs the entry (Unicorn drops the exception), and Unicorn's
/// register API cannot do it: while AArch32 is active PC and PSTATE read stale AArch64 fields (the live
/// ones are R15 and the CPSR), the general registers live in R0-R14 rather than X0-X30, and no register id
/// leaves AArch32 (CPUARMState.aarch64). So this class reads the AArch32 state where QEMU keeps it and
/// does what QEMU's AArch64 exception entry does first (aarch64_sync_32_to_64 for User mode, then
/// condexec_bits = 0): X0-X14 = R0-R14, X15-X30 keep their low 32 bits (QEMU passes them through its 32-bit
/// banked registers), and the CPU is in AArch64 state again. The field offsets are QEMU 5.0's layout
/// (Unicorn 2.1.4's base); they are checked once per process by running A32 code on a scratch engine, and
/// the machine refuses to start if they do not hold.
/// </summary>
public sealed unsafe class Aarch32State
{
    // Offsets in CPUARMState (QEMU 5.0, x86-64 host).
    private const int RegsOffset = 0;
    private const int XregsOffset = 64;
    private const int Aarch64Offset = 332;
    private const int UncachedCpsrOffset = 340;
    private const int CfOffset = 520;
    private const int VfOffset = 524;
    private const int NfOffset = 528;
    private const int ZfOffset = 532;
    private const int QfOffset = 536;
    private const int GeOffset = 540;
    private const int ThumbOffset = 544;
    private const int CondexecOffset = 548;
    private const int DaifOffset = 560;

    /// <summary>CPSR.A, I and F (QEMU keeps them in env->daif, in these positions).</summary>
    private const uint CpsrAif = 0x1C0;

    private readonly byte* _env;

    private Aarch32State(ulong env) => _env = (byte*)env;

    /// <summary>True while the CPU executes A32/T32 code (at EL0).</summary>
    public bool IsActive => *(uint*)(_env + Aarch64Offset) == 0;

    /// <summary>R0-R15 (R15 is the live PC in AArch32 state; at an exception it is the preferred return address).</summary>
    public uint Register(int n) => ((uint*)(_env + RegsOffset))[n];

    /// <summary>Sets R15, the PC of AArch32 state (Unicorn's PC register is the AArch64 one).</summary>
    public void SetPc(uint pc) => ((uint*)(_env + RegsOffset))[15] = pc;

    /// <summary>The CPSR as QEMU's cpsr_read assembles it from its split-out flags.</summary>
    public uint Cpsr
    {
        get
        {
            var condexec = U32(CondexecOffset);
            return U32(UncachedCpsrOffset)
                | (U32(NfOffset) & 0x8000_0000)
                | (U32(ZfOffset) == 0 ? 1u << 30 : 0)
                | (U32(CfOffset) << 29)
                | ((U32(VfOffset) & 0x8000_0000) >> 3)
                | (U32(QfOffset) << 27)
                | (U32(ThumbOffset) << 5)
                | ((condexec & 3) << 25)
                | ((condexec & 0xFC) << 8)
                | (U32(GeOffset) << 16)
                | ((uint)*(ulong*)(_env + DaifOffset) & CpsrAif);
        }
    }

    /// <summary>
    /// Moves the general registers to their AArch64 view and leaves AArch32 state, as the start of QEMU's
    /// exception entry from AArch32 User mode does. The caller then writes PSTATE and a system register
    /// (which rebuilds Unicorn's cached flags for AArch64), SP and PC.
    /// </summary>
    public void SwitchToAarch64()
    {
        var x = (ulong*)(_env + XregsOffset);
        for (var i = 0; i < 15; i++)
        {
            x[i] = Register(i);
        }

        for (var i = 15; i < 31; i++)
        {
            x[i] = (uint)x[i];
        }

        *(uint*)(_env + CondexecOffset) = 0;
        *(uint*)(_env + Aarch64Offset) = 1;
    }

    private uint U32(int offset) => *(uint*)(_env + offset);

    private static readonly object CalibrationGate = new();
    private static readonly HashSet<CpuModel> Verified = [];

    /// <summary>Binds to the CPU state at <paramref name="env"/>, after checking the layout once per CPU model.</summary>
    public static Aarch32State For(ulong env, CpuModel model)
    {
        lock (CalibrationGate)
        {
            if (!Verified.Contains(model))
            {
                Verify(model);
                Verified.Add(model);
            }
        }

        return new Aarch32State(env);
    }

    private const ulong ProbeBase = 0x4000_0000;
    private const uint MarkerBase = 0x5A00;
    private const uint SvcImmediate = 0x2A;

    /// <summary>
    /// Runs A32 code at EL0 that loads markers into R0-R14 and sets N and C, up to an SVC, and checks
    /// every field this class uses against what that code must have left.
    /// </summary>
    private static void Verify(CpuModel model)
    {
        var memory = (byte*)NativeMemory.AllocZeroed(0x10000);
        try
        {
            using var engine = new UnicornEngine(model);
            engine.MapRam(ProbeBase, 0x10000, memory);
            // A64 at EL1: msr spsr_el1, x1 ; msr elr_el1, x2 ; eret
            engine.WriteCode(ProbeBase, 0xD5184001, 0xD5184022, 0xD69F03E0);
            var code = new List<uint>();
            for (var i = 0u; i < 15; i++)
            {
                // movw ri, #(MarkerBase + i)
                var value = MarkerBase + i;
                code.Add(0xE300_0000 | ((value >> 12) << 16) | (i << 12) | (value & 0xFFF));
            }

            code.Add(0xE328F4A0);                   // msr APSR_nzcvq, #0xa0000000 (N and C)
            code.Add(0xEF00_0000 | SvcImmediate);   // svc #0x2a
            code.Add(0xEAFFFFFE);                   // b .
            const ulong a32Code = ProbeBase + 0x100;
            engine.WriteCode(a32Code, [.. code]);
            CpuState.EnterEl1(engine);
            engine.WriteX(1, 0x10);                 // AArch32 User, A, I, F clear
            engine.WriteX(2, a32Code);
            var env = VirtualIrqLine.LocateCpuState(engine);
            var state = new Aarch32State(env);

            engine.AddInterruptHook(&OnProbeException, 0);
            s_probeIntno = 0;
            var error = engine.Run(ProbeBase);
            if (error != 0 || s_probeIntno != 2)
            {
                throw Unsupported($"the A32 probe did not reach its SVC ({UnicornEngine.Describe(error)}, exception {s_probeIntno})");
            }

            var svcAddress = a32Code + (ulong)(code.Count - 2) * 4;
            for (var i = 0; i < 15; i++)
            {
                if (state.Register(i) != MarkerBase + (uint)i)
                {
                    throw Unsupported($"R{i} is not where expected");
                }
            }

            if (!state.IsActive || state.Register(15) != svcAddress + 4 || state.Cpsr != 0xA000_0010 ||
                *(ulong*)(state._env + DaifOffset) != 0x200)
            {
                throw Unsupported($"the AArch32 state reads wrong (CPSR 0x{state.Cpsr:x}, R15 0x{state.Register(15):x})");
            }

            state.SwitchToAarch64();
            if (engine.ReadX(14) != MarkerBase + 14 || state.IsActive)
            {
                throw Unsupported("the AArch64 registers are not where expected");
            }
        }
        finally
        {
            NativeMemory.Free(memory);
        }
    }

    private static InvalidOperationException Unsupported(string what) =>
        new($"cannot use Unicorn {UnicornEngine.LibraryVersion}'s AArch32 state: {what}; this build is not supported (expected 2.1.4)");

    [ThreadStatic] private static uint s_probeIntno;

    [UnmanagedCallersOnly]
    private static void OnProbeException(nint uc, uint intno, nint userData)
    {
        s_probeIntno = intno;
        UnicornNative.uc_emu_stop(uc);
    }
}
