using System.Text;
using Kernel.Logic.Process;
using Kernel.Logic.Tty;

namespace Kernel.Tests.Processes;

/// <summary>
/// Our ABI constants and layouts against musl's arm64 headers: a freestanding program built with
/// them prints each macro and offsetof/sizeof under qemu-aarch64-static.
/// </summary>
public class HeaderConstantsTests
{
    /// <summary>(C expression, our value). Names are the C expressions printed.</summary>
    private static readonly (string Expression, long Ours)[] Expected =
    {
        // signals (asm-generic numbering, sigaction flags, sigaltstack)
        ("SIGHUP", Signals.SIGHUP), ("SIGINT", Signals.SIGINT), ("SIGQUIT", Signals.SIGQUIT), ("SIGILL", Signals.SIGILL),
        ("SIGTRAP", Signals.SIGTRAP), ("SIGABRT", Signals.SIGABRT), ("SIGBUS", Signals.SIGBUS), ("SIGFPE", Signals.SIGFPE),
        ("SIGKILL", Signals.SIGKILL), ("SIGUSR1", Signals.SIGUSR1), ("SIGSEGV", Signals.SIGSEGV), ("SIGUSR2", Signals.SIGUSR2),
        ("SIGPIPE", Signals.SIGPIPE), ("SIGALRM", Signals.SIGALRM), ("SIGTERM", Signals.SIGTERM), ("SIGSTKFLT", Signals.SIGSTKFLT),
        ("SIGCHLD", Signals.SIGCHLD), ("SIGCONT", Signals.SIGCONT), ("SIGSTOP", Signals.SIGSTOP), ("SIGTSTP", Signals.SIGTSTP),
        ("SIGTTIN", Signals.SIGTTIN), ("SIGTTOU", Signals.SIGTTOU), ("SIGURG", Signals.SIGURG), ("SIGXCPU", Signals.SIGXCPU),
        ("SIGXFSZ", Signals.SIGXFSZ), ("SIGVTALRM", Signals.SIGVTALRM), ("SIGPROF", Signals.SIGPROF), ("SIGWINCH", Signals.SIGWINCH),
        ("SIGIO", Signals.SIGIO), ("SIGPWR", Signals.SIGPWR), ("SIGSYS", Signals.SIGSYS), ("_NSIG - 1", Signals.NSIG),
        ("SA_NOCLDSTOP", (long)Signals.SA_NOCLDSTOP), ("SA_NOCLDWAIT", (long)Signals.SA_NOCLDWAIT), ("SA_SIGINFO", (long)Signals.SA_SIGINFO),
        ("SA_ONSTACK", (long)Signals.SA_ONSTACK), ("SA_RESTART", (long)Signals.SA_RESTART), ("SA_NODEFER", (long)Signals.SA_NODEFER),
        ("SA_RESETHAND", (long)Signals.SA_RESETHAND), ("SA_RESTORER", (long)Signals.SA_RESTORER),
        ("SIG_BLOCK", Signals.SIG_BLOCK), ("SIG_UNBLOCK", Signals.SIG_UNBLOCK), ("SIG_SETMASK", Signals.SIG_SETMASK),
        ("SS_ONSTACK", Signals.SS_ONSTACK), ("SS_DISABLE", Signals.SS_DISABLE), ("(unsigned)SS_AUTODISARM", unchecked((uint)Signals.SS_AUTODISARM)),
        ("SI_USER", SigInfo.SI_USER), ("SI_KERNEL", SigInfo.SI_KERNEL), ("SI_QUEUE", SigInfo.SI_QUEUE), ("SI_TIMER", SigInfo.SI_TIMER),
        ("SI_MESGQ", SigInfo.SI_MESGQ), ("SI_ASYNCIO", SigInfo.SI_ASYNCIO), ("SI_SIGIO", SigInfo.SI_SIGIO), ("SI_TKILL", SigInfo.SI_TKILL),
        ("CLD_EXITED", SigInfo.CLD_EXITED), ("CLD_KILLED", SigInfo.CLD_KILLED), ("CLD_DUMPED", SigInfo.CLD_DUMPED),
        ("CLD_TRAPPED", SigInfo.CLD_TRAPPED), ("CLD_STOPPED", SigInfo.CLD_STOPPED), ("CLD_CONTINUED", SigInfo.CLD_CONTINUED),
        ("SEGV_MAPERR", SigInfo.SEGV_MAPERR), ("SEGV_ACCERR", SigInfo.SEGV_ACCERR), ("BUS_ADRALN", SigInfo.BUS_ADRALN),
        ("BUS_ADRERR", SigInfo.BUS_ADRERR), ("ILL_ILLOPC", SigInfo.ILL_ILLOPC), ("FPE_INTDIV", SigInfo.FPE_INTDIV),
        ("TRAP_BRKPT", SigInfo.TRAP_BRKPT), ("POLL_IN", SigInfo.POLL_IN), ("POLL_HUP", SigInfo.POLL_HUP),
        ("sizeof(siginfo_t)", SigInfo.Size),
        ("offsetof(siginfo_t, si_signo)", 0), ("offsetof(siginfo_t, si_errno)", 4), ("offsetof(siginfo_t, si_code)", 8),
        ("offsetof(siginfo_t, si_pid)", 16), ("offsetof(siginfo_t, si_uid)", 20), ("offsetof(siginfo_t, si_status)", 24),
        ("offsetof(siginfo_t, si_utime)", 32), ("offsetof(siginfo_t, si_stime)", 40), ("offsetof(siginfo_t, si_value)", 24),
        ("offsetof(siginfo_t, si_addr)", 16), ("offsetof(siginfo_t, si_band)", 16), ("offsetof(siginfo_t, si_fd)", 24),
        ("offsetof(siginfo_t, si_timerid)", 16), ("offsetof(siginfo_t, si_overrun)", 20),
        ("offsetof(siginfo_t, si_call_addr)", 16), ("offsetof(siginfo_t, si_syscall)", 24), ("offsetof(siginfo_t, si_arch)", 28),
        ("sizeof(stack_t)", AltStack.Size), ("offsetof(stack_t, ss_sp)", AltStack.SpOffset),
        ("offsetof(stack_t, ss_flags)", AltStack.FlagsOffset), ("offsetof(stack_t, ss_size)", AltStack.SizeOffset),
        // the signal frame: ucontext_t sits at 128 in the rt_sigframe, after the siginfo
        ("128 + offsetof(ucontext_t, uc_flags)", SignalFrame.UcFlagsOffset), ("128 + offsetof(ucontext_t, uc_link)", SignalFrame.UcLinkOffset),
        ("128 + offsetof(ucontext_t, uc_stack)", SignalFrame.UcStackOffset), ("128 + offsetof(ucontext_t, uc_sigmask)", SignalFrame.UcSigmaskOffset),
        ("128 + offsetof(ucontext_t, uc_mcontext)", SignalFrame.McontextOffset),
        ("128 + offsetof(ucontext_t, uc_mcontext.fault_address)", SignalFrame.FaultAddressOffset),
        ("128 + offsetof(ucontext_t, uc_mcontext.regs)", SignalFrame.RegsOffset), ("128 + offsetof(ucontext_t, uc_mcontext.sp)", SignalFrame.SpOffset),
        ("128 + offsetof(ucontext_t, uc_mcontext.pc)", SignalFrame.PcOffset), ("128 + offsetof(ucontext_t, uc_mcontext.pstate)", SignalFrame.PstateOffset),
        ("128 + offsetof(ucontext_t, uc_mcontext.__reserved)", SignalFrame.ReservedOffset),
        ("sizeof(((mcontext_t *)0)->__reserved)", SignalFrame.ReservedSize),
        ("128 + sizeof(ucontext_t)", SignalFrame.RtSigframeSize),
        ("FPSIMD_MAGIC", SignalFrame.FpsimdMagic), ("ESR_MAGIC", SignalFrame.EsrMagic), ("EXTRA_MAGIC", SignalFrame.ExtraMagic),
        ("SVE_MAGIC", SignalFrame.SveMagic), ("sizeof(struct fpsimd_context)", SignalFrame.FpsimdContextSize),
        ("sizeof(struct esr_context)", SignalFrame.EsrContextSize), ("offsetof(struct fpsimd_context, vregs)", 16),
        ("offsetof(struct fpsimd_context, fpsr)", 8), ("offsetof(struct fpsimd_context, fpcr)", 12),
        // wait statuses through the libc macros
        ("WEXITSTATUS(0x0300)", 3), ("WIFEXITED(0x0300) != 0", 1), ("WIFSIGNALED(0x008b) != 0", 1), ("WTERMSIG(0x008b)", 11),
        ("WCOREDUMP(0x008b) != 0", 1), ("WIFSTOPPED(0x147f) != 0", 1), ("WSTOPSIG(0x147f)", 20), ("WIFCONTINUED(0xffff) != 0", 1),
        ("WIFSIGNALED(0x147f) != 0", 0), ("WIFEXITED(0x147f) != 0", 0),
        // auxiliary vector and HWCAPs
        ("AT_NULL", (long)AuxValues.AT_NULL), ("AT_PHDR", (long)AuxValues.AT_PHDR), ("AT_PHENT", (long)AuxValues.AT_PHENT),
        ("AT_PHNUM", (long)AuxValues.AT_PHNUM), ("AT_PAGESZ", (long)AuxValues.AT_PAGESZ), ("AT_BASE", (long)AuxValues.AT_BASE),
        ("AT_FLAGS", (long)AuxValues.AT_FLAGS), ("AT_ENTRY", (long)AuxValues.AT_ENTRY), ("AT_UID", (long)AuxValues.AT_UID),
        ("AT_EUID", (long)AuxValues.AT_EUID), ("AT_GID", (long)AuxValues.AT_GID), ("AT_EGID", (long)AuxValues.AT_EGID),
        ("AT_PLATFORM", (long)AuxValues.AT_PLATFORM), ("AT_HWCAP", (long)AuxValues.AT_HWCAP), ("AT_CLKTCK", (long)AuxValues.AT_CLKTCK),
        ("AT_SECURE", (long)AuxValues.AT_SECURE), ("AT_RANDOM", (long)AuxValues.AT_RANDOM), ("AT_HWCAP2", (long)AuxValues.AT_HWCAP2),
        ("AT_EXECFN", (long)AuxValues.AT_EXECFN), ("AT_SYSINFO_EHDR", (long)AuxValues.AT_SYSINFO_EHDR), ("AT_MINSIGSTKSZ", (long)AuxValues.AT_MINSIGSTKSZ),
        ("HWCAP_FP", (long)AuxValues.HWCAP_FP), ("HWCAP_ASIMD", (long)AuxValues.HWCAP_ASIMD), ("HWCAP_EVTSTRM", (long)AuxValues.HWCAP_EVTSTRM),
        ("HWCAP_AES", (long)AuxValues.HWCAP_AES), ("HWCAP_PMULL", (long)AuxValues.HWCAP_PMULL), ("HWCAP_SHA1", (long)AuxValues.HWCAP_SHA1),
        ("HWCAP_SHA2", (long)AuxValues.HWCAP_SHA2), ("HWCAP_CRC32", (long)AuxValues.HWCAP_CRC32), ("HWCAP_ATOMICS", (long)AuxValues.HWCAP_ATOMICS),
        ("HWCAP_FPHP", (long)AuxValues.HWCAP_FPHP), ("HWCAP_ASIMDHP", (long)AuxValues.HWCAP_ASIMDHP), ("HWCAP_CPUID", (long)AuxValues.HWCAP_CPUID),
        ("EM_AARCH64", ElfImage.MachineAArch64), ("ET_EXEC", (long)ElfType.Executable), ("ET_DYN", (long)ElfType.Dynamic),
        ("PT_LOAD", ElfImage.PT_LOAD), ("PT_INTERP", ElfImage.PT_INTERP), ("PT_PHDR", ElfImage.PT_PHDR), ("PT_TLS", ElfImage.PT_TLS),
        ("PT_GNU_STACK", ElfImage.PT_GNU_STACK), ("sizeof(Elf64_Ehdr)", ElfImage.HeaderSize), ("sizeof(Elf64_Phdr)", ElfImage.ProgramHeaderSize),
        ("PF_X", ElfSegment.FlagExecute), ("PF_W", ElfSegment.FlagWrite), ("PF_R", ElfSegment.FlagRead),
        // termios (the first 36 bytes of libc's struct termios are the kernel's)
        ("offsetof(struct termios, c_iflag)", 0), ("offsetof(struct termios, c_oflag)", 4), ("offsetof(struct termios, c_cflag)", 8),
        ("offsetof(struct termios, c_lflag)", 12), ("offsetof(struct termios, c_line)", 16), ("offsetof(struct termios, c_cc)", Termios.CcOffset),
        ("VINTR", Termios.VINTR), ("VQUIT", Termios.VQUIT), ("VERASE", Termios.VERASE), ("VKILL", Termios.VKILL), ("VEOF", Termios.VEOF),
        ("VTIME", Termios.VTIME), ("VMIN", Termios.VMIN), ("VSWTC", Termios.VSWTC), ("VSTART", Termios.VSTART), ("VSTOP", Termios.VSTOP),
        ("VSUSP", Termios.VSUSP), ("VEOL", Termios.VEOL), ("VREPRINT", Termios.VREPRINT), ("VDISCARD", Termios.VDISCARD),
        ("VWERASE", Termios.VWERASE), ("VLNEXT", Termios.VLNEXT), ("VEOL2", Termios.VEOL2),
        ("IGNBRK", Termios.IGNBRK), ("BRKINT", Termios.BRKINT), ("IGNPAR", Termios.IGNPAR), ("PARMRK", Termios.PARMRK), ("INPCK", Termios.INPCK),
        ("ISTRIP", Termios.ISTRIP), ("INLCR", Termios.INLCR), ("IGNCR", Termios.IGNCR), ("ICRNL", Termios.ICRNL), ("IUCLC", Termios.IUCLC),
        ("IXON", Termios.IXON), ("IXANY", Termios.IXANY), ("IXOFF", Termios.IXOFF), ("IMAXBEL", Termios.IMAXBEL), ("IUTF8", Termios.IUTF8),
        ("OPOST", Termios.OPOST), ("OLCUC", Termios.OLCUC), ("ONLCR", Termios.ONLCR), ("OCRNL", Termios.OCRNL), ("ONOCR", Termios.ONOCR),
        ("ONLRET", Termios.ONLRET), ("OFILL", Termios.OFILL), ("OFDEL", Termios.OFDEL), ("NLDLY", Termios.NLDLY), ("CRDLY", Termios.CRDLY),
        ("TABDLY", Termios.TABDLY), ("XTABS", Termios.XTABS), ("BSDLY", Termios.BSDLY), ("VTDLY", Termios.VTDLY), ("FFDLY", Termios.FFDLY),
        ("CBAUD", Termios.CBAUD), ("B9600", Termios.B9600), ("B38400", Termios.B38400), ("B115200", Termios.B115200), ("CSIZE", Termios.CSIZE),
        ("CS8", Termios.CS8), ("CSTOPB", Termios.CSTOPB), ("CREAD", Termios.CREAD), ("PARENB", Termios.PARENB), ("PARODD", Termios.PARODD),
        ("HUPCL", Termios.HUPCL), ("CLOCAL", Termios.CLOCAL), ("(unsigned)CRTSCTS", Termios.CRTSCTS),
        ("ISIG", Termios.ISIG), ("ICANON", Termios.ICANON), ("XCASE", Termios.XCASE), ("ECHO", Termios.ECHO), ("ECHOE", Termios.ECHOE),
        ("ECHOK", Termios.ECHOK), ("ECHONL", Termios.ECHONL), ("NOFLSH", Termios.NOFLSH), ("TOSTOP", Termios.TOSTOP),
        ("ECHOCTL", Termios.ECHOCTL), ("ECHOPRT", Termios.ECHOPRT), ("ECHOKE", Termios.ECHOKE), ("FLUSHO", Termios.FLUSHO),
        ("PENDIN", Termios.PENDIN), ("IEXTEN", Termios.IEXTEN), ("EXTPROC", Termios.EXTPROC),
        ("TCGETS", TtyIoctl.TCGETS), ("TCSETS", TtyIoctl.TCSETS), ("TCSETSW", TtyIoctl.TCSETSW), ("TCSETSF", TtyIoctl.TCSETSF),
        ("TCSBRK", TtyIoctl.TCSBRK), ("TCXONC", TtyIoctl.TCXONC), ("TCFLSH", TtyIoctl.TCFLSH), ("TIOCSCTTY", TtyIoctl.TIOCSCTTY),
        ("TIOCGPGRP", TtyIoctl.TIOCGPGRP), ("TIOCSPGRP", TtyIoctl.TIOCSPGRP), ("TIOCOUTQ", TtyIoctl.TIOCOUTQ), ("TIOCSTI", TtyIoctl.TIOCSTI),
        ("TIOCGWINSZ", TtyIoctl.TIOCGWINSZ), ("TIOCSWINSZ", TtyIoctl.TIOCSWINSZ), ("FIONREAD", TtyIoctl.FIONREAD),
        ("TIOCNOTTY", TtyIoctl.TIOCNOTTY), ("TIOCGSID", TtyIoctl.TIOCGSID), ("FIONBIO", TtyIoctl.FIONBIO),
        ("TCIFLUSH", TtyIoctl.TCIFLUSH), ("TCOFLUSH", TtyIoctl.TCOFLUSH), ("TCIOFLUSH", TtyIoctl.TCIOFLUSH),
        ("TCOOFF", TtyIoctl.TCOOFF), ("TCOON", TtyIoctl.TCOON), ("TCIOFF", TtyIoctl.TCIOFF), ("TCION", TtyIoctl.TCION),
        ("sizeof(struct winsize)", WinSize.Size),
    };

    private static string Program()
    {
        var s = new StringBuilder("""
            #include <signal.h>
            #include <stddef.h>
            #include <sys/wait.h>
            #include <sys/ucontext.h>
            #include <sys/ioctl.h>
            #include <termios.h>
            #include <elf.h>
            #include <sys/auxv.h>
            static long sys3(long n, long a, long b, long c)
            {
                register long x8 __asm__("x8") = n;
                register long x0 __asm__("x0") = a;
                register long x1 __asm__("x1") = b;
                register long x2 __asm__("x2") = c;
                __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
                return x0;
            }
            static char out[65536];
            static int used;
            static void put(const char *name, long value)
            {
                while (*name) out[used++] = *name++;
                out[used++] = '\t';
                if (value < 0) { out[used++] = '-'; value = -value; }
                char digits[24]; int n = 0;
                do { digits[n++] = '0' + value % 10; value /= 10; } while (value);
                while (n) out[used++] = digits[--n];
                out[used++] = '\n';
            }
            void _start_c(void)
            {

            """);
        foreach (var (expression, _) in Expected)
            s.Append($"    put(\"{expression}\", (long)({expression}));\n");
        s.Append("""
                sys3(64, 1, (long)out, used);
                sys3(93, 0, 0, 0);
            }
            __asm__(".global _start\n_start:\n bl _start_c\n");
            """);
        return s.ToString();
    }

    [Fact]
    public void Constants_and_layouts_match_musl_arm64_headers()
    {
        string program = Arm64Tools.CompileWithMuslHeaders(Program());
        var (exit, output) = Arm64Tools.RunArm64(program, new[] { "constants" }, Array.Empty<string>());
        Assert.Equal(0, exit);
        var values = Encoding.ASCII.GetString(output).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t', 2)).ToDictionary(p => p[0], p => long.Parse(p[1]));
        Assert.Equal(Expected.Length, values.Count);
        var wrong = Expected.Where(e => values[e.Expression] != e.Ours).Select(e => $"{e.Expression}: musl {values[e.Expression]}, ours {e.Ours}").ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
