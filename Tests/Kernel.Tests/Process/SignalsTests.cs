using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Kernel.Logic;
using Kernel.Logic.Process;

namespace Kernel.Tests.Processes;

public class SignalsTests
{
    /// <summary>
    /// Forks a child per signal 1..31 that sends itself that signal with the default disposition,
    /// and reports wait4's status (stopped children are killed afterwards), then an exit(3), and a
    /// child stopped by SIGSTOP, continued (WCONTINUED) and exiting with 5. Under qemu-user the
    /// statuses come from the host kernel's wait4. Core dumps are off (RLIMIT_CORE 0). Each child
    /// first resets the disposition to SIG_DFL and unblocks everything (the test host ignores
    /// SIGPIPE, and ignored dispositions survive exec).
    /// </summary>
    private const string WaitProgram = """
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
        static long fork_(void) { return sys(220, 17, 0, 0, 0); }
        static void put(long tag, long value) { long v[2] = { tag, value }; sys(64, 1, (long)v, 16, 0); }
        void _start_c(void)
        {
            unsigned long nocore[2] = { 0, 0 };
            sys(261, 0, 4, (long)nocore, 0);
            for (int sig = 1; sig <= 31; sig++) {
                long pid = fork_();
                if (pid == 0) {
                    unsigned long dfl[4] = { 0, 0, 0, 0 }, none = 0;
                    sys(134, sig, (long)dfl, 0, 8);
                    sys(135, 2, (long)&none, 0, 8);
                    sys(154, 0, 0, 0, 0);
                    sys(129, sys(172, 0, 0, 0, 0), sig, 0, 0);
                    sys(93, 0, 0, 0, 0);
                }
                int status = 0;
                sys(260, pid, (long)&status, 2, 0);
                if ((status & 0xff) == 0x7f) {
                    int st2;
                    sys(129, pid, 9, 0, 0);
                    sys(260, pid, (long)&st2, 0, 0);
                }
                put(sig, status);
            }
            long pid = fork_();
            if (pid == 0) sys(93, 3, 0, 0, 0);
            int status = 0;
            sys(260, pid, (long)&status, 0, 0);
            put(100, status);
            /* The continued child waits on a pipe before it exits: had it exited first, wait4 would
               report the exit instead of the continue. */
            int gate[2];
            sys(59, (long)gate, 0, 0, 0);
            pid = fork_();
            if (pid == 0) {
                char c;
                sys(154, 0, 0, 0, 0);
                sys(129, sys(172, 0, 0, 0, 0), 19, 0, 0);
                sys(63, gate[0], (long)&c, 1, 0);
                sys(93, 5, 0, 0, 0);
            }
            sys(260, pid, (long)&status, 2, 0);
            put(101, status);
            sys(129, pid, 18, 0, 0);
            sys(260, pid, (long)&status, 8, 0);
            put(102, status);
            sys(64, gate[1], (long)"x", 1, 0);
            sys(260, pid, (long)&status, 0, 0);
            put(103, status);
            sys(93, 0, 0, 0, 0);
        }
        __asm__(".global _start\n_start:\n bl _start_c\n");
        """;

    private static readonly Lazy<Dictionary<long, int>> RealStatuses = new(() =>
    {
        string program = Arm64Tools.Compile(WaitProgram, "-static -nostdlib -O2 -fno-stack-protector");
        var (exit, output) = Arm64Tools.RunArm64(program, new[] { "wait" }, Array.Empty<string>());
        Assert.Equal(0, exit);
        var result = new Dictionary<long, int>();
        for (int o = 0; o + 16 <= output.Length; o += 16)
            result[BinaryPrimitives.ReadInt64LittleEndian(output.AsSpan(o))] = (int)BinaryPrimitives.ReadInt64LittleEndian(output.AsSpan(o + 8));
        Assert.Equal(35, result.Count);
        return result;
    });

    [Fact]
    public void Default_actions_match_a_real_kernel()
    {
        for (int sig = 1; sig <= 31; sig++)
        {
            int status = RealStatuses.Value[sig];
            DefaultAction action = Signals.Default(sig);
            int expected = action switch
            {
                DefaultAction.Terminate or DefaultAction.Core => Signals.SignaledStatus(sig, false),
                DefaultAction.Stop => Signals.StoppedStatus(sig),
                _ => Signals.ExitedStatus(0),   // ignored: the child went on to exit(0)
            };
            Assert.True(expected == status, $"signal {sig} ({action}): real status {status:x}, expected {expected:x}");
        }
    }

    [Fact]
    public void Core_dumping_signals_are_those_of_signal_7()
    {
        // signal(7): Core for SIGQUIT SIGILL SIGTRAP SIGABRT SIGBUS SIGFPE SIGSEGV SIGXCPU SIGXFSZ SIGSYS.
        int[] core = { 3, 4, 5, 6, 7, 8, 11, 24, 25, 31 };
        for (int sig = 1; sig <= 64; sig++)
        {
            DefaultAction a = Signals.Default(sig);
            Assert.Equal(core.Contains(sig), a == DefaultAction.Core);
        }
        Assert.Equal(DefaultAction.Continue, Signals.Default(Signals.SIGCONT));
        Assert.Equal(DefaultAction.Terminate, Signals.Default(Signals.SIGRTMIN));
        Assert.Equal(DefaultAction.Terminate, Signals.Default(Signals.SIGRTMAX));
        Assert.Equal(DefaultAction.Terminate, Signals.Default(Signals.SIGKILL));
        Assert.Equal(DefaultAction.Stop, Signals.Default(Signals.SIGSTOP));
    }

    [Fact]
    public void Wait_statuses_match_a_real_kernel()
    {
        var real = RealStatuses.Value;
        Assert.Equal(Signals.ExitedStatus(3), real[100]);
        Assert.Equal(Signals.StoppedStatus(Signals.SIGSTOP), real[101]);
        Assert.Equal(Signals.ContinuedStatus, real[102]);
        Assert.Equal(Signals.ExitedStatus(5), real[103]);

        Assert.True(Signals.IfExited(real[100]) && Signals.ExitCode(real[100]) == 3);
        Assert.False(Signals.IfSignaled(real[100]) || Signals.IfStopped(real[100]) || Signals.IfContinued(real[100]));
        Assert.True(Signals.IfStopped(real[101]) && Signals.StopSignal(real[101]) == 19);
        Assert.False(Signals.IfExited(real[101]) || Signals.IfSignaled(real[101]));
        Assert.True(Signals.IfContinued(real[102]));
        int killed = real[Signals.SIGTERM];
        Assert.True(Signals.IfSignaled(killed) && Signals.TermSignal(killed) == 15 && !Signals.CoreDumped(killed));
        Assert.False(Signals.IfExited(killed) || Signals.IfStopped(killed));

        Assert.Equal(0x8b, Signals.SignaledStatus(Signals.SIGSEGV, true));
        Assert.True(Signals.CoreDumped(0x8b) && Signals.TermSignal(0x8b) == 11);
        Assert.Equal(0x0100, Signals.ExitedStatus(257));   // only the low 8 bits of the code
        Assert.Equal(0x147f, Signals.StoppedStatus(Signals.SIGTSTP));
    }

    [Fact]
    public void Numbers_match_an_arm64_busybox()
    {
        // busybox's `kill -l` prints the numbering it was compiled with (Debian arm64 libc headers).
        string output = Arm64Tools.Run("qemu-aarch64-static", null, Arm64Tools.Busybox(), "kill", "-l");
        var names = Regex.Matches(output, @"(\d+)\) (\w+)").ToDictionary(m => int.Parse(m.Groups[1].Value), m => m.Groups[2].Value);
        var ours = new Dictionary<string, int>
        {
            ["HUP"] = Signals.SIGHUP,
            ["INT"] = Signals.SIGINT,
            ["QUIT"] = Signals.SIGQUIT,
            ["ILL"] = Signals.SIGILL,
            ["TRAP"] = Signals.SIGTRAP,
            ["ABRT"] = Signals.SIGABRT,
            ["BUS"] = Signals.SIGBUS,
            ["FPE"] = Signals.SIGFPE,
            ["KILL"] = Signals.SIGKILL,
            ["USR1"] = Signals.SIGUSR1,
            ["SEGV"] = Signals.SIGSEGV,
            ["USR2"] = Signals.SIGUSR2,
            ["PIPE"] = Signals.SIGPIPE,
            ["ALRM"] = Signals.SIGALRM,
            ["TERM"] = Signals.SIGTERM,
            ["STKFLT"] = Signals.SIGSTKFLT,
            ["CHLD"] = Signals.SIGCHLD,
            ["CONT"] = Signals.SIGCONT,
            ["STOP"] = Signals.SIGSTOP,
            ["TSTP"] = Signals.SIGTSTP,
            ["TTIN"] = Signals.SIGTTIN,
            ["TTOU"] = Signals.SIGTTOU,
            ["URG"] = Signals.SIGURG,
            ["XCPU"] = Signals.SIGXCPU,
            ["XFSZ"] = Signals.SIGXFSZ,
            ["VTALRM"] = Signals.SIGVTALRM,
            ["PROF"] = Signals.SIGPROF,
            ["WINCH"] = Signals.SIGWINCH,
            ["POLL"] = Signals.SIGPOLL,
            ["PWR"] = Signals.SIGPWR,
            ["SYS"] = Signals.SIGSYS,
        };
        Assert.Equal(31, names.Count);
        foreach (var (name, number) in ours)
            Assert.True(names[number] == name, $"{number}: busybox says {names[number]}, we say {name}");
    }

    [Fact]
    public void Uapi_values()
    {
        // include/uapi/asm-generic/signal-defs.h and arch/arm64/include/uapi/asm/signal.h
        Assert.Equal(4UL, Signals.SA_SIGINFO);
        Assert.Equal(0x08000000UL, Signals.SA_ONSTACK);
        Assert.Equal(0x10000000UL, Signals.SA_RESTART);
        Assert.Equal(0x40000000UL, Signals.SA_NODEFER);
        Assert.Equal(0x80000000UL, Signals.SA_RESETHAND);
        Assert.Equal(0x04000000UL, Signals.SA_RESTORER);
        Assert.Equal(1UL, Signals.SA_NOCLDSTOP);
        Assert.Equal(2UL, Signals.SA_NOCLDWAIT);
        Assert.Equal(5120UL, Signals.MINSIGSTKSZ);
        Assert.Equal(16384UL, Signals.SIGSTKSZ);
        Assert.Equal(unchecked((int)0x80000000), Signals.SS_AUTODISARM);
        Assert.Equal(32, SigAction.Size);
        Assert.Equal(24, AltStack.Size);
        Assert.Equal(128, SigInfo.Size);
    }

    [Fact]
    public void Sigset_helpers()
    {
        ulong set = 0;
        set = Signals.Add(set, Signals.SIGINT);
        set = Signals.Add(set, Signals.SIGRTMAX);
        Assert.Equal((1UL << 1) | (1UL << 63), set);
        Assert.True(Signals.Contains(set, 2));
        Assert.False(Signals.Contains(set, 3));
        Assert.Equal(1UL << 63, Signals.Remove(set, Signals.SIGINT));
        Assert.Equal(0UL, Signals.Bit(0));
        Assert.Equal(0UL, Signals.Bit(65));
        Assert.False(Signals.IsValid(0));
        Assert.True(Signals.IsValid(64));
        Assert.False(Signals.Contains(ulong.MaxValue, 65));
        Assert.True(Signals.IsRealTime(40));
        Assert.False(Signals.IsRealTime(31));
    }

    [Fact]
    public void Sigprocmask_never_blocks_SIGKILL_or_SIGSTOP()
    {
        Assert.Equal(0, Signals.ChangeBlocked(0, Signals.SIG_BLOCK, ulong.MaxValue, out ulong blocked));
        Assert.Equal(ulong.MaxValue & ~Signals.UnblockableMask, blocked);
        Assert.False(Signals.Contains(blocked, Signals.SIGKILL) || Signals.Contains(blocked, Signals.SIGSTOP));
        Assert.Equal(0, Signals.ChangeBlocked(blocked, Signals.SIG_UNBLOCK, Signals.Bit(Signals.SIGINT), out ulong less));
        Assert.False(Signals.Contains(less, Signals.SIGINT));
        Assert.True(Signals.Contains(less, Signals.SIGQUIT));
        Assert.Equal(0, Signals.ChangeBlocked(less, Signals.SIG_SETMASK, Signals.Bit(Signals.SIGUSR1), out ulong set));
        Assert.Equal(Signals.Bit(Signals.SIGUSR1), set);
        Assert.Equal(-Errno.EINVAL, Signals.ChangeBlocked(set, 3, 0, out ulong unchanged));
        Assert.Equal(set, unchanged);
    }

    [Fact]
    public void Next_signal_prefers_synchronous_then_lowest()
    {
        ulong pending = Signals.Bit(Signals.SIGTERM) | Signals.Bit(Signals.SIGSEGV) | Signals.Bit(Signals.SIGHUP);
        Assert.Equal(Signals.SIGSEGV, Signals.Next(pending, 0));
        Assert.Equal(Signals.SIGHUP, Signals.Next(pending, Signals.Bit(Signals.SIGSEGV)));
        Assert.Equal(Signals.SIGTERM, Signals.Next(pending, Signals.Bit(Signals.SIGSEGV) | Signals.Bit(Signals.SIGHUP)));
        Assert.Equal(0, Signals.Next(pending, pending));
        Assert.Equal(0, Signals.Next(0, 0));
        // A blocked mask cannot hold back SIGKILL.
        Assert.Equal(Signals.SIGKILL, Signals.Next(Signals.Bit(Signals.SIGKILL), ulong.MaxValue));
        Assert.Equal(64, Signals.Next(Signals.Bit(64), 0));
    }

    [Fact]
    public void Handler_mask_and_reset()
    {
        var act = new SigAction { Handler = 0x400100, Flags = Signals.SA_SIGINFO, Mask = Signals.Bit(Signals.SIGUSR2) | Signals.Bit(Signals.SIGKILL) };
        ulong mask = Signals.MaskForHandler(Signals.Bit(Signals.SIGHUP), Signals.SIGINT, act);
        Assert.Equal(Signals.Bit(Signals.SIGHUP) | Signals.Bit(Signals.SIGUSR2) | Signals.Bit(Signals.SIGINT), mask);
        act.Flags |= Signals.SA_NODEFER;
        Assert.False(Signals.Contains(Signals.MaskForHandler(0, Signals.SIGINT, act), Signals.SIGINT));
        act.AfterDelivery();
        Assert.Equal(0x400100UL, act.Handler);
        act.Flags |= Signals.SA_RESETHAND;
        act.AfterDelivery();
        Assert.Equal(Signals.SIG_DFL, act.Handler);
    }

    [Fact]
    public void Sigaction_struct_and_rules()
    {
        byte[] raw = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(raw, 0x401000);
        BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(8), Signals.SA_SIGINFO | Signals.SA_RESTORER | Signals.SA_UNSUPPORTED | 0x100);
        BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(16), 0x402000);
        BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(24), ulong.MaxValue);
        SigAction a = SigAction.Read(raw);
        Assert.Equal((0x401000UL, 0x402000UL), (a.Handler, a.Restorer));
        Assert.Equal(0, SigAction.Validate(Signals.SIGINT, ref a));
        Assert.Equal(Signals.SA_SIGINFO | Signals.SA_RESTORER, a.Flags);   // unknown bits read back as 0 (how libc detects SA_UNSUPPORTED)
        Assert.Equal(ulong.MaxValue & ~Signals.UnblockableMask, a.Mask);
        byte[] back = new byte[32];
        a.Write(back);
        Assert.Equal(a.Flags, BinaryPrimitives.ReadUInt64LittleEndian(back.AsSpan(8)));
        Assert.Equal(a.Mask, BinaryPrimitives.ReadUInt64LittleEndian(back.AsSpan(24)));
        Assert.Equal(raw[..8], back[..8]);
        Assert.Equal(raw[16..24], back[16..24]);

        SigAction any = default;
        Assert.Equal(-Errno.EINVAL, SigAction.Validate(Signals.SIGKILL, ref any));
        Assert.Equal(-Errno.EINVAL, SigAction.Validate(Signals.SIGSTOP, ref any));
        Assert.Equal(-Errno.EINVAL, SigAction.Validate(0, ref any));
        Assert.Equal(-Errno.EINVAL, SigAction.Validate(65, ref any));
        Assert.Equal(0, SigAction.Validate(64, ref any));
    }

    [Fact]
    public void Ignored_signals()
    {
        Assert.True(Signals.IsIgnored(Signals.SIGCHLD, Signals.SIG_DFL));
        Assert.True(Signals.IsIgnored(Signals.SIGWINCH, Signals.SIG_DFL));
        Assert.True(Signals.IsIgnored(Signals.SIGURG, Signals.SIG_DFL));
        Assert.True(Signals.IsIgnored(Signals.SIGCONT, Signals.SIG_DFL));
        Assert.False(Signals.IsIgnored(Signals.SIGTERM, Signals.SIG_DFL));
        Assert.True(Signals.IsIgnored(Signals.SIGTERM, Signals.SIG_IGN));
        Assert.False(Signals.IsIgnored(Signals.SIGCHLD, 0x400000));
        Assert.False(Signals.IsIgnored(Signals.SIGKILL, Signals.SIG_IGN));
    }

    [Theory]
    [InlineData(-512, true, 0UL, SyscallRestart.Interrupt)]                  // ERESTARTSYS, handler without SA_RESTART
    [InlineData(-512, true, 0x10000000UL, SyscallRestart.Restart)]           // ... with SA_RESTART
    [InlineData(-512, false, 0UL, SyscallRestart.Restart)]                   // no handler ran
    [InlineData(-513, true, 0UL, SyscallRestart.Restart)]                    // ERESTARTNOINTR always restarts
    [InlineData(-514, true, 0x10000000UL, SyscallRestart.Interrupt)]         // ERESTARTNOHAND: EINTR if any handler
    [InlineData(-514, false, 0UL, SyscallRestart.Restart)]
    [InlineData(-516, true, 0UL, SyscallRestart.Interrupt)]                  // ERESTART_RESTARTBLOCK
    [InlineData(-516, false, 0UL, SyscallRestart.RestartBlock)]
    [InlineData(-4, true, 0UL, SyscallRestart.None)]                         // a plain errno
    [InlineData(5, false, 0UL, SyscallRestart.None)]
    public void Syscall_restart_follows_linux(long result, bool handler, ulong flags, SyscallRestart expected)
        => Assert.Equal(expected, Signals.RestartFor(result, handler, flags));

    [Fact]
    public void Sigaltstack_rules()
    {
        AltStack alt = default;
        Assert.Equal(Signals.SS_DISABLE, alt.ReportedFlags(0x7fff_0000));
        Assert.Equal(0x7fff_0000UL, alt.StackTopFor(0x7fff_0000, Signals.SA_ONSTACK));
        Assert.Equal(-Errno.ENOMEM, alt.Change(0x7fff_0000, 0x10000, Signals.MINSIGSTKSZ - 1, 0));
        Assert.Equal(-Errno.EINVAL, alt.Change(0x7fff_0000, 0x10000, 0x4000, 4));
        Assert.Equal(0, alt.Change(0x7fff_0000, 0x10000, 0x4000, 0));
        Assert.Equal(0, alt.ReportedFlags(0x7fff_0000));
        Assert.Equal(0x14000UL, alt.StackTopFor(0x7fff_0000, Signals.SA_ONSTACK));
        Assert.Equal(0x7fff_0000UL, alt.StackTopFor(0x7fff_0000, 0));     // without SA_ONSTACK: the normal stack
        // Running on it: reported as SS_ONSTACK, changing it is -EPERM, nested signals stay on it.
        Assert.Equal(Signals.SS_ONSTACK, alt.ReportedFlags(0x13000));
        Assert.Equal(-Errno.EPERM, alt.Change(0x13000, 0, 0, Signals.SS_DISABLE));
        Assert.Equal(0x13000UL, alt.StackTopFor(0x13000, Signals.SA_ONSTACK));
        Assert.False(alt.IsOnStack(0x10000));   // sp == ss_sp is below the stack (it grows down from ss_sp + size)
        Assert.True(alt.IsOnStack(0x14000));
        // stack_t as sigaltstack reports it.
        byte[] st = new byte[24];
        alt.WriteStackT(st, 0x13000);
        AltStack.ReadStackT(st, out ulong sp, out int flags, out ulong size);
        Assert.Equal((0x10000UL, Signals.SS_ONSTACK, 0x4000UL), (sp, flags, size));
        // Disabling clears it.
        Assert.Equal(0, alt.Change(0x7fff_0000, 0x1234, 0x9999, Signals.SS_DISABLE));
        Assert.Equal((0UL, 0UL), (alt.Sp, alt.StackSize));
        Assert.Equal(Signals.SS_DISABLE, alt.ReportedFlags(0));
        // SS_AUTODISARM: never "on" the stack, and off after a frame was saved.
        Assert.Equal(0, alt.Change(0x7fff_0000, 0x10000, 0x4000, Signals.SS_AUTODISARM));
        Assert.False(alt.IsOnStack(0x13000));
        Assert.Equal(Signals.SS_AUTODISARM, alt.ReportedFlags(0x13000));
        alt.AfterFrameSaved();
        Assert.Equal(Signals.SS_DISABLE, alt.ReportedFlags(0x13000));
    }

    [Theory]
    [InlineData(Signals.SIGUSR1, SigInfo.SI_USER, SigInfoLayout.Kill)]
    [InlineData(Signals.SIGUSR1, SigInfo.SI_KERNEL, SigInfoLayout.Kill)]
    [InlineData(Signals.SIGUSR1, SigInfo.SI_TKILL, SigInfoLayout.Rt)]
    [InlineData(Signals.SIGRTMIN, SigInfo.SI_QUEUE, SigInfoLayout.Rt)]
    [InlineData(Signals.SIGALRM, SigInfo.SI_TIMER, SigInfoLayout.Timer)]
    [InlineData(Signals.SIGIO, SigInfo.SI_SIGIO, SigInfoLayout.Poll)]
    [InlineData(Signals.SIGCHLD, SigInfo.CLD_EXITED, SigInfoLayout.Child)]
    [InlineData(Signals.SIGCHLD, 7, SigInfoLayout.Kill)]
    [InlineData(Signals.SIGSEGV, SigInfo.SEGV_MAPERR, SigInfoLayout.Fault)]
    [InlineData(Signals.SIGBUS, SigInfo.BUS_ADRALN, SigInfoLayout.Fault)]
    [InlineData(Signals.SIGILL, SigInfo.ILL_ILLOPC, SigInfoLayout.Fault)]
    [InlineData(Signals.SIGFPE, SigInfo.FPE_INTDIV, SigInfoLayout.Fault)]
    [InlineData(Signals.SIGTRAP, SigInfo.TRAP_BRKPT, SigInfoLayout.Fault)]
    [InlineData(Signals.SIGPOLL, SigInfo.POLL_IN, SigInfoLayout.Poll)]
    [InlineData(Signals.SIGSYS, SigInfo.SYS_SECCOMP, SigInfoLayout.Sys)]
    [InlineData(Signals.SIGUSR2, 3, SigInfoLayout.Poll)]    // Linux: small positive codes of other signals use the poll layout
    public void Siginfo_layout_follows_linux(int sig, int code, SigInfoLayout layout) => Assert.Equal(layout, SigInfo.LayoutOf(sig, code));

    [Fact]
    public void Siginfo_fields_are_at_their_uapi_offsets()
    {
        byte[] b = new byte[128];
        Array.Fill(b, (byte)0xee);
        SigInfo.Child(SigInfo.CLD_EXITED, 1234, 1000, 7, 11, 22).Write(b);
        Assert.Equal(17, BinaryPrimitives.ReadInt32LittleEndian(b));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(4)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8)));
        Assert.Equal(1234, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(16)));
        Assert.Equal(1000u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(20)));
        Assert.Equal(7, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(24)));
        Assert.Equal(11L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(32)));
        Assert.Equal(22L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(40)));
        Assert.All(b[48..], x => Assert.Equal(0, x));

        SigInfo.Fault(Signals.SIGSEGV, SigInfo.SEGV_ACCERR, 0xdead_beef_000).Write(b);
        Assert.Equal(0xdead_beef_000UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(16)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8)));

        var rt = SigInfo.User(Signals.SIGRTMIN + 1, 55, 66, SigInfo.SI_QUEUE);
        rt.Value = 0x1122334455667788;
        rt.Write(b);
        Assert.Equal(-1, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8)));
        Assert.Equal(0x1122334455667788UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(24)));
        SigInfo back = SigInfo.Read(b);
        Assert.Equal((rt.Signo, rt.Code, rt.Pid, rt.Uid, rt.Value), (back.Signo, back.Code, back.Pid, back.Uid, back.Value));

        var sys = new SigInfo { Signo = Signals.SIGSYS, Code = SigInfo.SYS_SECCOMP, CallAddr = 0x400123, Syscall = 222, Arch = 0xc00000b7 };
        sys.Write(b);
        back = SigInfo.Read(b);
        Assert.Equal((sys.CallAddr, sys.Syscall, sys.Arch), (back.CallAddr, back.Syscall, back.Arch));
        Assert.Equal(0xc00000b7u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(28)));

        var poll = new SigInfo { Signo = Signals.SIGIO, Code = SigInfo.POLL_IN, Band = 0x41, Fd = 9 };
        poll.Write(b);
        Assert.Equal(0x41L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(16)));
        Assert.Equal(9, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(24)));
    }

    [Theory]
    [InlineData(typeof(SigInfo))]
    [InlineData(typeof(SigAction))]
    [InlineData(typeof(AltStack))]
    [InlineData(typeof(UserRegisters))]
    public void Structs_the_kernel_keeps_in_arrays_have_no_padding(Type type)
    {
        // ILC needs a field-by-field helper (which the kernel's core library cannot provide) to
        // compare structs with padding; arrays of such structs would not compile into the kernel.
        static int SizeOf(Type t) => (int)typeof(System.Runtime.CompilerServices.Unsafe).GetMethod("SizeOf")!.MakeGenericMethod(t).Invoke(null, null)!;
        int fields = type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
            .Sum(f => SizeOf(f.FieldType));
        Assert.Equal(SizeOf(type), fields);
    }
}
