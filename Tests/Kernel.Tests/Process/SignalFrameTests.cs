using System.Buffers.Binary;
using System.Text;
using Kernel.Logic;
using Kernel.Logic.Process;

namespace Kernel.Tests.Processes;

/// <summary>
/// The signal frame against qemu-user's (which follows Linux's layout for a cortex-a57: FP/SIMD,
/// no SVE): a real frame parsed and rebuilt byte for byte, and a frame we build handed to
/// rt_sigreturn, after which the program reports the registers it resumed with.
/// </summary>
public class SignalFrameTests
{
    /// <summary>
    /// Modes: "d" raises SIGUSR1 with known registers and dumps the handler's entry registers and
    /// frame; "a" the same on an alternate stack; "i" replaces the frame with 4688 bytes read from
    /// stdin and returns, and "landing" reports the registers rt_sigreturn loaded.
    /// </summary>
    private const string ProgramTemplate = """
        static long sys(long n, long a, long b, long c, long d)
        {
            register long x8 __asm__("x8") = n;
            register long x0 __asm__("x0") = a;
            register long x1 __asm__("x1") = b;
            register long x2 __asm__("x2") = c;
            register long x3 __asm__("x3") = d;
            __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
            return x0;
        }
        unsigned long entry[7];
        unsigned long out[99];
        unsigned char altbuf[16384] __attribute__((aligned(16)));
        unsigned char stack2[16384] __attribute__((aligned(16)));
        static int inject;
        void raise_known(long pid, long tid);
        void handler_entry(void);
        void restorer(void);
        void landing(void);
        __asm__(
        "raise_known:\n"
        " stp x29, x30, [sp, #-96]!\n"
        " stp x19, x20, [sp, #16]\n stp x21, x22, [sp, #32]\n stp x23, x24, [sp, #48]\n stp x25, x26, [sp, #64]\n stp x27, x28, [sp, #80]\n"
        " adr x9, vtable\n"
        " ldp q0, q1, [x9], #32\n ldp q2, q3, [x9], #32\n ldp q4, q5, [x9], #32\n ldp q6, q7, [x9], #32\n"
        " ldp q8, q9, [x9], #32\n ldp q10, q11, [x9], #32\n ldp q12, q13, [x9], #32\n ldp q14, q15, [x9], #32\n"
        " ldp q16, q17, [x9], #32\n ldp q18, q19, [x9], #32\n ldp q20, q21, [x9], #32\n ldp q22, q23, [x9], #32\n"
        " ldp q24, q25, [x9], #32\n ldp q26, q27, [x9], #32\n ldp q28, q29, [x9], #32\n ldp q30, q31, [x9], #32\n"
        " ldr x9, =0x0800001f\n msr fpsr, x9\n ldr x9, =0x02000000\n msr fpcr, x9\n ldr x9, =0x60000000\n msr nzcv, x9\n"
        REGS
        " mov x2, #10\n mov x8, #131\n"
        " svc 0\n"
        ".global after_svc\nafter_svc:\n"
        " ldp x19, x20, [sp, #16]\n ldp x21, x22, [sp, #32]\n ldp x23, x24, [sp, #48]\n ldp x25, x26, [sp, #64]\n ldp x27, x28, [sp, #80]\n"
        " ldp x29, x30, [sp], #96\n ret\n"
        ".ltorg\n"
        ".balign 16\nvtable:\n"
        VTABLE
        ".global handler_entry\nhandler_entry:\n"
        " adrp x9, entry\n add x9, x9, :lo12:entry\n"
        " stp x0, x1, [x9]\n stp x2, x29, [x9, #16]\n mov x10, sp\n stp x30, x10, [x9, #32]\n mrs x10, nzcv\n str x10, [x9, #48]\n"
        " b handle\n"
        ".global restorer\nrestorer:\n mov x8, #139\n svc 0\n"
        ".global landing\nlanding:\n"
        " stp x0, x1, [sp, #-16]!\n"
        " adrp x0, out\n add x0, x0, :lo12:out\n"
        " stp x2, x3, [x0, #16]\n stp x4, x5, [x0, #32]\n stp x6, x7, [x0, #48]\n stp x8, x9, [x0, #64]\n"
        " stp x10, x11, [x0, #80]\n stp x12, x13, [x0, #96]\n stp x14, x15, [x0, #112]\n stp x16, x17, [x0, #128]\n"
        " stp x18, x19, [x0, #144]\n stp x20, x21, [x0, #160]\n stp x22, x23, [x0, #176]\n stp x24, x25, [x0, #192]\n"
        " stp x26, x27, [x0, #208]\n stp x28, x29, [x0, #224]\n str x30, [x0, #240]\n"
        " mrs x4, nzcv\n"
        " ldp x2, x3, [sp], #16\n stp x2, x3, [x0]\n mov x2, sp\n str x2, [x0, #248]\n"
        " add x1, x0, #256\n"
        " stp q0, q1, [x1], #32\n stp q2, q3, [x1], #32\n stp q4, q5, [x1], #32\n stp q6, q7, [x1], #32\n"
        " stp q8, q9, [x1], #32\n stp q10, q11, [x1], #32\n stp q12, q13, [x1], #32\n stp q14, q15, [x1], #32\n"
        " stp q16, q17, [x1], #32\n stp q18, q19, [x1], #32\n stp q20, q21, [x1], #32\n stp q22, q23, [x1], #32\n"
        " stp q24, q25, [x1], #32\n stp q26, q27, [x1], #32\n stp q28, q29, [x1], #32\n stp q30, q31, [x1], #32\n"
        " mrs x2, fpsr\n mrs x3, fpcr\n str x2, [x0, #768]\n str x3, [x0, #776]\n str x4, [x0, #784]\n"
        " bl report\n"
        );
        void handle(int sig, unsigned char *info, void *uc)
        {
            if (inject) {
                long got = 0;
                while (got < 4688) {
                    long n = sys(63, 0, (long)(info + got), 4688 - got, 0);
                    if (n <= 0) sys(93, 99, 0, 0, 0);
                    got += n;
                }
                return;
            }
            sys(64, 1, (long)entry, 56, 0);
            sys(64, 1, (long)info, 4704, 0);
        }
        void report(void)
        {
            unsigned long mask = 0;
            sys(135, 0, 0, (long)&mask, 8);
            sys(64, 1, (long)out, 792, 0);
            sys(64, 1, (long)&mask, 8, 0);
            sys(93, 0, 0, 0, 0);
        }
        void _start_c(long *sp)
        {
            long argc = sp[0];
            char *mode = argc > 1 ? (char *)sp[2] : "d";
            inject = mode[0] == 'i';
            int alt = mode[0] == 'a';
            long pid = sys(172, 0, 0, 0, 0), tid = sys(178, 0, 0, 0, 0);
            sys(64, 1, (long)&pid, 8, 0);
            unsigned long block = (1UL << 11) | (1UL << 34);   /* SIGUSR2, SIGRTMIN+3 */
            sys(135, 2, (long)&block, 0, 8);
            if (alt) {
                unsigned long ss[3] = { (unsigned long)altbuf, 0, sizeof altbuf };
                sys(132, (long)ss, 0, 0, 0);
            }
            unsigned long act[4] = { (unsigned long)handler_entry, 0x04000004UL | (alt ? 0x08000000UL : 0), (unsigned long)restorer, 1UL << 13 };
            sys(134, 10, (long)act, 0, 8);
            raise_known(pid, tid);
            unsigned long mask = 0;
            sys(135, 0, 0, (long)&mask, 8);
            sys(64, 1, (long)&mask, 8, 0);
            sys(93, 0, 0, 0, 0);
        }
        __asm__(".global _start\n_start:\n mov x0, sp\n bl _start_c\n");
        """;

    private const string Cpu = "cortex-a57";

    private static ulong KnownX(int i) => 0x1100000000000000UL + (ulong)i * 0x0001000100010001UL;

    private static ulong KnownV(int i) => 0xa500000000000000UL + (ulong)i * 0x0000010101010101UL;

    private static readonly Lazy<string> Program = new(() =>
    {
        var regs = new StringBuilder();
        for (int i = 3; i <= 30; i++)
            if (i != 8)
                regs.Append($"\" ldr x{i}, =0x{KnownX(i):x}\\n\"\n");
        var table = new StringBuilder();
        for (int i = 0; i < 64; i++)
            table.Append($"\" .quad 0x{KnownV(i):x}\\n\"\n");
        string source = ProgramTemplate.Replace("REGS\n", regs.ToString()).Replace("VTABLE\n", table.ToString());
        return Arm64Tools.Compile(source, "-static -nostdlib -O2 -fno-stack-protector");
    });

    private static ulong Symbol(string name)
    {
        string nm = Arm64Tools.Run("aarch64-linux-gnu-nm", null, Program.Value);
        string line = nm.Split('\n').Single(l => l.EndsWith(" " + name, StringComparison.Ordinal));
        return Convert.ToUInt64(line.Split(' ')[0], 16);
    }

    private sealed record Dump(long Pid, ulong[] Entry, byte[] Frame, ulong MaskAfter);

    private static Dump RunDump(string mode)
    {
        var (exit, output) = Arm64Tools.RunArm64(Program.Value, new[] { "sig", mode }, Array.Empty<string>(), cpu: Cpu);
        Assert.True(exit == 0, $"exit {exit}");
        Assert.Equal(8 + 56 + SignalFrame.Size + 8, output.Length);
        long pid = BinaryPrimitives.ReadInt64LittleEndian(output);
        ulong[] entry = Enumerable.Range(0, 7).Select(i => BinaryPrimitives.ReadUInt64LittleEndian(output.AsSpan(8 + i * 8))).ToArray();
        byte[] frame = output.AsSpan(64, SignalFrame.Size).ToArray();
        ulong maskAfter = BinaryPrimitives.ReadUInt64LittleEndian(output.AsSpan(64 + SignalFrame.Size));
        return new Dump(pid, entry, frame, maskAfter);
    }

    private const ulong BlockedInProgram = (1UL << 11) | (1UL << 34);   // SIGUSR2, SIGRTMIN+3

    private static unsafe void AssertKnownRegisters(in UserRegisters regs)
    {
        for (int i = 3; i <= 30; i++)
            if (i != 8)
                Assert.True(KnownX(i) == regs.X[i], $"x{i}: {regs.X[i]:x}");
        Assert.Equal(10UL, regs.X[2]);     // tgkill(pid, tid, SIGUSR1)
        Assert.Equal(131UL, regs.X[8]);
        for (int i = 0; i < 64; i++)
            Assert.True(KnownV(i) == regs.V[i], $"v{i / 2}.{(i % 2 == 0 ? "lo" : "hi")}: {regs.V[i]:x}");
        Assert.Equal(0x0800001fUL, regs.Fpsr);
        Assert.Equal(0x02000000UL, regs.Fpcr);
        Assert.Equal(0x60000000UL, regs.Pstate);
        Assert.Equal(Symbol("after_svc"), regs.Pc);
    }

    [Fact]
    public unsafe void Real_frame_is_parsed_and_rebuilt_byte_for_byte()
    {
        Dump d = RunDump("d");
        ulong frameVa = d.Entry[5];
        Assert.Equal(0, SignalFrame.Restore(d.Frame, out UserRegisters regs, out ulong mask, out ulong ssSp, out int ssFlags, out ulong ssSize));
        AssertKnownRegisters(regs);
        Assert.Equal(BlockedInProgram, mask);
        Assert.Equal(BlockedInProgram, d.MaskAfter);   // sigreturn restored it in the real program too
        Assert.Equal((0UL, Signals.SS_DISABLE, 0UL), (ssSp, ssFlags, ssSize));
        // Where the frame is: right below the 16-byte frame record under the interrupted SP.
        Assert.Equal(SignalFrame.FrameAddress(regs.Sp), frameVa);

        SigInfo info = SigInfo.Read(d.Frame.AsSpan(0, SigInfo.Size));
        Assert.Equal(Signals.SIGUSR1, info.Signo);
        Assert.Equal(SigInfo.SI_TKILL, info.Code);
        Assert.Equal((int)d.Pid, info.Pid);

        // Our frame from the same state is the same bytes, frame record included.
        byte[] ours = new byte[SignalFrame.Size];
        AltStack none = default;
        Assert.Equal(0, SignalFrame.Build(ours, frameVa, regs, mask, info, none));
        for (int i = 0; i < ours.Length; i += 8)
            Assert.True(d.Frame.AsSpan(i, 8).SequenceEqual(ours.AsSpan(i, 8)),
                $"offset {i}: qemu {BinaryPrimitives.ReadUInt64LittleEndian(d.Frame.AsSpan(i)):x}, ours {BinaryPrimitives.ReadUInt64LittleEndian(ours.AsSpan(i)):x}");

        // The handler was entered as EnterHandler describes (x0 sig, x1 info, x2 uc, x29 frame record, x30 restorer).
        UserRegisters entered = default;
        entered.Pstate = regs.Pstate;
        SignalFrame.EnterHandler(ref entered, frameVa, Signals.SIGUSR1, Symbol("handler_entry"), Symbol("restorer"), siginfo: true);
        Assert.Equal(entered.X[0], d.Entry[0]);
        Assert.Equal(entered.X[1], d.Entry[1]);
        Assert.Equal(entered.X[2], d.Entry[2]);
        Assert.Equal(entered.X[29], d.Entry[3]);
        Assert.Equal(entered.X[30], d.Entry[4]);
        Assert.Equal(entered.Sp, d.Entry[5]);
        Assert.Equal(entered.Pstate, d.Entry[6]);
        Assert.Equal((KnownX(29), KnownX(30)),
            (BinaryPrimitives.ReadUInt64LittleEndian(d.Frame.AsSpan(SignalFrame.FrameRecordOffset)), BinaryPrimitives.ReadUInt64LittleEndian(d.Frame.AsSpan(SignalFrame.FrameRecordOffset + 8))));
    }

    [Fact]
    public void Frame_on_the_alternate_stack_is_at_its_top_and_reports_it()
    {
        Dump d = RunDump("a");
        ulong frameVa = d.Entry[5];
        ulong altSp = Symbol("altbuf");
        const ulong altSize = 16384;
        Assert.Equal(0, SignalFrame.Restore(d.Frame, out UserRegisters regs, out _, out ulong ssSp, out int ssFlags, out ulong ssSize));
        AssertKnownRegisters(regs);
        AltStack alt = default;
        Assert.Equal(0, alt.Change(regs.Sp, altSp, altSize, 0));
        ulong top = alt.StackTopFor(regs.Sp, Signals.SA_ONSTACK | Signals.SA_SIGINFO);
        Assert.Equal(altSp + altSize, top);
        Assert.Equal(SignalFrame.FrameAddress(top), frameVa);
        Assert.Equal((altSp, 0, altSize), (ssSp, ssFlags, ssSize));   // saved for the interrupted SP: not on the alternate stack

        byte[] ours = new byte[SignalFrame.Size];
        Assert.Equal(0, SignalFrame.Build(ours, frameVa, regs, BlockedInProgram, SigInfo.Read(d.Frame), alt));
        Assert.Equal(d.Frame, ours);
        // A second signal while running on it would stay on it, and say so.
        Assert.True(alt.IsOnStack(frameVa));
        Assert.Equal(frameVa, alt.StackTopFor(frameVa, Signals.SA_ONSTACK));
        Assert.Equal(Signals.SS_ONSTACK, alt.ReportedFlags(frameVa));
    }

    [Fact]
    public unsafe void Real_sigreturn_resumes_with_the_registers_of_our_frame()
    {
        UserRegisters regs = default;
        for (int i = 0; i < 31; i++)
            regs.X[i] = 0x7700000000000000UL + (ulong)i * 0x0000000100000101UL;
        for (int i = 0; i < 64; i++)
            regs.V[i] = 0x3300000000000000UL + (ulong)i * 0x0001000100010001UL;
        regs.Sp = Symbol("stack2") + 16384;
        regs.Pc = Symbol("landing");
        regs.Pstate = 0x9000_0000;      // N and V set, EL0t
        regs.Fpsr = 0x0800_0011;
        regs.Fpcr = 0x0340_0000;        // DN, FZ, RMode = towards minus infinity
        ulong mask = Signals.Bit(Signals.SIGUSR2) | Signals.Bit(Signals.SIGRTMIN + 5) | Signals.Bit(Signals.SIGHUP);
        byte[] frame = new byte[SignalFrame.Size];
        AltStack none = default;
        Assert.Equal(0, SignalFrame.Build(frame, 0x7fff_0000, regs, mask, SigInfo.User(Signals.SIGUSR1, 1, 0), none));

        var (exit, output) = Arm64Tools.RunArm64(Program.Value, new[] { "sig", "i" }, Array.Empty<string>(), frame[..SignalFrame.RtSigframeSize], Cpu);
        Assert.True(exit == 0, $"exit {exit}, output {output.Length} bytes");
        Assert.Equal(8 + 792 + 8, output.Length);
        ulong Out(int i) => BinaryPrimitives.ReadUInt64LittleEndian(output.AsSpan(8 + i * 8));
        for (int i = 0; i < 31; i++)
            Assert.True(regs.X[i] == Out(i), $"x{i}: {Out(i):x}");
        Assert.Equal(regs.Sp, Out(31));
        for (int i = 0; i < 64; i++)
            Assert.True(regs.V[i] == Out(32 + i), $"v{i / 2}: {Out(32 + i):x}");
        Assert.Equal(regs.Fpsr, Out(96));
        Assert.Equal(regs.Fpcr, Out(97));
        Assert.Equal(regs.Pstate, Out(98));
        Assert.Equal(mask, BinaryPrimitives.ReadUInt64LittleEndian(output.AsSpan(8 + 792)));
    }

    // ---- validation on sigreturn ----

    private static unsafe byte[] ValidFrame(out UserRegisters regs)
    {
        regs = default;
        for (int i = 0; i < 31; i++)
            regs.X[i] = (ulong)i;
        regs.Sp = 0x7fff_1000;
        regs.Pc = 0x400000;
        regs.Pstate = 0x2000_0000;
        byte[] frame = new byte[SignalFrame.Size];
        AltStack none = default;
        Assert.Equal(0, SignalFrame.Build(frame, 0x7fff_0000, regs, 0, SigInfo.Kernel(Signals.SIGSEGV), none, 0x1234, 0x92000046));
        return frame;
    }

    [Fact]
    public unsafe void Fault_frame_carries_the_fault_address_and_an_esr_record()
    {
        byte[] frame = ValidFrame(out _);
        Assert.Equal(0x1234UL, BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan(SignalFrame.FaultAddressOffset)));
        int esr = SignalFrame.ReservedOffset + SignalFrame.FpsimdContextSize;
        Assert.Equal(SignalFrame.EsrMagic, BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(esr)));
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(esr + 4)));
        Assert.Equal(0x92000046UL, BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan(esr + 8)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(frame.AsSpan(esr + 16)));   // terminator
        Assert.Equal(0, SignalFrame.Restore(frame, out UserRegisters back, out _));
        Assert.Equal(0x400000UL, back.Pc);
    }

    public static TheoryData<string> Damage => new()
    {
        "fpsimd-magic", "fpsimd-size", "no-terminator", "unknown-record", "sve-record", "second-fpsimd", "record-too-big",
        "record-size-unaligned", "terminator-with-size", "pstate-el1", "pstate-aarch32", "pstate-irq-masked", "pstate-debug-masked", "short",
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void Damaged_frame_is_refused_like_linux(string damage)
    {
        byte[] frame = ValidFrame(out _);
        int fp = SignalFrame.ReservedOffset;
        int after = fp + SignalFrame.FpsimdContextSize + SignalFrame.EsrContextSize;
        switch (damage)
        {
            case "fpsimd-magic": frame[fp] ^= 1; break;
            case "fpsimd-size": BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(fp + 4), 544); break;
            case "no-terminator":
                for (int o = after; o + 16 <= SignalFrame.ReservedOffset + SignalFrame.ReservedSize; o += 16)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(o), SignalFrame.EsrMagic);
                    BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(o + 4), 16);
                }
                break;
            case "unknown-record":
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(after), 0x12345678);
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(after + 4), 16);
                break;
            case "sve-record":
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(after), SignalFrame.SveMagic);
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(after + 4), 16);
                break;
            case "second-fpsimd":
                frame.AsSpan(fp, SignalFrame.FpsimdContextSize).CopyTo(frame.AsSpan(after));
                break;
            case "record-too-big": BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(after - 16 + 4), 8192); break;
            case "record-size-unaligned": BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(after - 16 + 4), 24); break;
            case "terminator-with-size": BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(after + 4), 16); break;
            case "pstate-el1": frame[SignalFrame.PstateOffset] = 0x05; break;
            case "pstate-aarch32": frame[SignalFrame.PstateOffset] = 0x10; break;
            case "pstate-irq-masked": frame[SignalFrame.PstateOffset] = 0x80; break;
            case "pstate-debug-masked": frame[SignalFrame.PstateOffset + 1] = 0x02; break;
            case "short": frame = frame[..(SignalFrame.RtSigframeSize - 1)]; break;
        }
        Assert.Equal(-Errno.EINVAL, SignalFrame.Restore(frame, out _, out _));
    }

    [Fact]
    public void Reserved_pstate_bits_are_cleared_not_refused()
    {
        byte[] frame = ValidFrame(out _);
        // IL (bit 20), bit 5, PAN (22), UAO (23), bits above 32: Linux clears them silently.
        ulong pstate = 0x6000_0000UL | (1UL << 20) | (1UL << 5) | (1UL << 22) | (1UL << 23) | (1UL << 40);
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(SignalFrame.PstateOffset), pstate);
        Assert.Equal(0, SignalFrame.Restore(frame, out UserRegisters regs, out _));
        Assert.Equal(0x6000_0000UL, regs.Pstate);
        // SSBS, BTYPE, TCO are user-controllable and kept.
        pstate = 0x6000_0000UL | SignalFrame.PstateSsbs | SignalFrame.PstateBtypeMask | SignalFrame.PstateTco;
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(SignalFrame.PstateOffset), pstate);
        Assert.Equal(0, SignalFrame.Restore(frame, out regs, out _));
        Assert.Equal(pstate, regs.Pstate);
    }

    [Fact]
    public void Restored_mask_never_blocks_SIGKILL_or_SIGSTOP()
    {
        byte[] frame = ValidFrame(out _);
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(SignalFrame.UcSigmaskOffset), ulong.MaxValue);
        Assert.Equal(0, SignalFrame.Restore(frame, out _, out ulong mask));
        Assert.Equal(ulong.MaxValue & ~Signals.UnblockableMask, mask);
    }

    [Fact]
    public void Frame_address_and_alignment_rules()
    {
        Assert.Equal(0x7fff_0000UL - 16 - 4688, SignalFrame.FrameAddress(0x7fff_0000));
        Assert.Equal(0x7fff_0000UL - 16 - 4688, SignalFrame.FrameAddress(0x7fff_0008));   // record rounded down to 16
        Assert.Equal(0UL, SignalFrame.FrameAddress(0x1234_5678_9abc) % 16);
        Assert.True(SignalFrame.IsValidReturnSp(0x7ffe_0000));
        Assert.False(SignalFrame.IsValidReturnSp(0x7ffe_0008));
        Assert.Equal(-Errno.EINVAL, SignalFrame.Build(new byte[SignalFrame.Size - 1], 0x1000, default(UserRegisters), 0, default(SigInfo), default(AltStack)));
        Assert.Equal(-Errno.EINVAL, SignalFrame.Build(new byte[SignalFrame.Size], 0x1008, default(UserRegisters), 0, default(SigInfo), default(AltStack)));
        // The uapi offsets: sigcontext 16-aligned inside ucontext, __reserved 16-aligned, 4688-byte rt_sigframe.
        Assert.Equal(304, SignalFrame.McontextOffset);
        Assert.Equal(592, SignalFrame.ReservedOffset);
        Assert.Equal(4688, SignalFrame.ReservedOffset + SignalFrame.ReservedSize);
        Assert.Equal(AuxValues.MinSignalStackSize, (ulong)(SignalFrame.RtSigframeSize + 16 + 16));
    }
}
