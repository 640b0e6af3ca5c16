using System;

namespace Kernel.Logic.Process
{
    /// <summary>
    /// The arm64 signal frame (arch/arm64/kernel/signal.c, uapi asm/sigcontext.h and ucontext.h)
    /// for a CPU with FP/SIMD and no SVE/SME. From the handler's SP upwards:
    /// <code>
    ///    0  siginfo_t (128)
    ///  128  ucontext: uc_flags, uc_link, uc_stack {ss_sp, ss_flags, ss_size}
    ///  168    uc_sigmask (8) + 120 bytes of padding (glibc's 1024-bit sigset)
    ///  304    uc_mcontext (struct sigcontext, 16-aligned): fault_address
    ///  312      regs[31], 560 sp, 568 pc, 576 pstate
    ///  592      __reserved[4096]: fpsimd_context {magic 0x46508001, size 528, fpsr, fpcr, vregs[32]},
    ///           [esr_context {magic 0x45535201, size 16, esr}], null record {0, 0}
    /// 4688  frame record {fp = old x29, lr = old x30}; x29 points here in the handler
    /// 4704  (16-aligned stack top, or the alternate stack's top)
    /// </code>
    /// </summary>
    public static unsafe class SignalFrame
    {
        /// <summary>sizeof(struct rt_sigframe).</summary>
        public const int RtSigframeSize = 4688;
        /// <summary>Bytes <see cref="Build"/> writes: the rt_sigframe plus the 16-byte frame record above it.</summary>
        public const int Size = RtSigframeSize + 16;

        public const int InfoOffset = 0;
        public const int UcontextOffset = 128;
        public const int UcFlagsOffset = UcontextOffset + 0, UcLinkOffset = UcontextOffset + 8, UcStackOffset = UcontextOffset + 16;
        public const int UcSigmaskOffset = UcontextOffset + 40;
        public const int McontextOffset = UcontextOffset + 176;
        public const int FaultAddressOffset = McontextOffset;
        public const int RegsOffset = McontextOffset + 8;
        public const int SpOffset = RegsOffset + 31 * 8, PcOffset = SpOffset + 8, PstateOffset = PcOffset + 8;
        public const int ReservedOffset = McontextOffset + 288;
        public const int ReservedSize = 4096;
        public const int FrameRecordOffset = RtSigframeSize;

        public const uint FpsimdMagic = 0x46508001, EsrMagic = 0x45535201, ExtraMagic = 0x45585401, SveMagic = 0x53564501;
        public const int FpsimdContextSize = 528, EsrContextSize = 16;

        /// <summary>PSTATE bits (SPSR_EL1 layout).</summary>
        public const ulong PstateModeMask = 0xf, PstateMode32 = 1 << 4, PstateF = 1 << 6, PstateI = 1 << 7, PstateA = 1 << 8,
            PstateD = 1 << 9, PstateBtypeMask = 3 << 10, PstateSsbs = 1 << 12, PstateTco = 1 << 25;
        /// <summary>Bits user space may not set; sigreturn silently clears them (Linux's SPSR_EL1_AARCH64_RES0_BITS, IL included).</summary>
        public const ulong PstateRes0 = 0xffff_ffff_0000_0000 | (3UL << 26) | (3UL << 22) | (0xffUL << 13) | (1UL << 5);

        /// <summary>
        /// Where the frame for a handler goes when the stack to use ends at <paramref name="stackTop"/>
        /// (the thread's SP, or the alternate stack's top from <see cref="AltStack.StackTopFor"/>):
        /// the 16-aligned frame record right below, the rt_sigframe below that.
        /// </summary>
        public static ulong FrameAddress(ulong stackTop) => ((stackTop - 16) & ~15UL) - RtSigframeSize;

        /// <summary>
        /// Writes the frame for a handler into <paramref name="frame"/> (<see cref="Size"/> bytes, to
        /// be copied to user address <paramref name="frameVa"/>): <paramref name="info"/>, the saved
        /// registers <paramref name="regs"/> (as they must be after sigreturn: syscall restart already
        /// applied), the mask to restore <paramref name="blockedMask"/>, the alternate-stack report
        /// <paramref name="altStack"/> for the interrupted SP, the fault address and, when
        /// <paramref name="esr"/> is not 0 (a fault), an esr_context. 0, or -EINVAL for a short or
        /// misaligned frame.
        /// </summary>
        public static int Build(Span<byte> frame, ulong frameVa, in UserRegisters regs, ulong blockedMask, in SigInfo info,
            in AltStack altStack, ulong faultAddress = 0, ulong esr = 0)
        {
            if (frame.Length < Size || (frameVa & 15) != 0)
                return -Errno.EINVAL;
            frame.Slice(0, Size).Clear();
            info.Write(frame.Slice(InfoOffset, SigInfo.Size));
            // uc_flags and uc_link are 0.
            altStack.WriteStackT(frame.Slice(UcStackOffset, AltStack.Size), regs.Sp);
            LittleEndian.Put64(frame, UcSigmaskOffset, blockedMask);
            LittleEndian.Put64(frame, FaultAddressOffset, faultAddress);
            for (int i = 0; i < 31; i++)
                LittleEndian.Put64(frame, RegsOffset + i * 8, regs.X[i]);
            LittleEndian.Put64(frame, SpOffset, regs.Sp);
            LittleEndian.Put64(frame, PcOffset, regs.Pc);
            LittleEndian.Put64(frame, PstateOffset, regs.Pstate);

            int o = ReservedOffset;
            LittleEndian.Put32(frame, o, FpsimdMagic);
            LittleEndian.Put32(frame, o + 4, FpsimdContextSize);
            LittleEndian.Put32(frame, o + 8, (uint)regs.Fpsr);
            LittleEndian.Put32(frame, o + 12, (uint)regs.Fpcr);
            for (int i = 0; i < 64; i++)
                LittleEndian.Put64(frame, o + 16 + i * 8, regs.V[i]);
            o += FpsimdContextSize;
            if (esr != 0)
            {
                LittleEndian.Put32(frame, o, EsrMagic);
                LittleEndian.Put32(frame, o + 4, EsrContextSize);
                LittleEndian.Put64(frame, o + 8, esr);
                o += EsrContextSize;
            }
            // The null terminator record is already zero.

            LittleEndian.Put64(frame, FrameRecordOffset, regs.X[29]);
            LittleEndian.Put64(frame, FrameRecordOffset + 8, regs.X[30]);
            return 0;
        }

        /// <summary>
        /// Points <paramref name="regs"/> at the handler after <see cref="Build"/> (Linux's
        /// setup_return): x0 = sig, x1 = &amp;info and x2 = &amp;uc with SA_SIGINFO, SP = the frame,
        /// x29 = the frame record, x30 = the restorer (SA_RESTORER's, or the vDSO trampoline),
        /// PC = handler, PSTATE.TCO and BTYPE cleared.
        /// </summary>
        public static void EnterHandler(ref UserRegisters regs, ulong frameVa, int sig, ulong handler, ulong restorer, bool siginfo)
        {
            regs.X[0] = (ulong)sig;
            if (siginfo)
            {
                regs.X[1] = frameVa + InfoOffset;
                regs.X[2] = frameVa + UcontextOffset;
            }
            regs.Sp = frameVa;
            regs.X[29] = frameVa + FrameRecordOffset;
            regs.X[30] = restorer;
            regs.Pc = handler;
            regs.Pstate &= ~(PstateTco | PstateBtypeMask);
        }

        /// <summary>rt_sigreturn first checks the frame address (the SP) is 16-byte aligned.</summary>
        public static bool IsValidReturnSp(ulong sp) => (sp & 15) == 0;

        /// <summary>
        /// rt_sigreturn: reads the frame back (at least <see cref="RtSigframeSize"/> bytes from the
        /// user's SP). <paramref name="mask"/> is the blocked set to restore (SIGKILL/SIGSTOP removed),
        /// <paramref name="regs"/> the registers (PSTATE with Linux's reserved bits cleared).
        /// -EINVAL, as Linux's sanity checks (the kernel then sends SIGSEGV), when PSTATE is not
        /// AArch64 EL0t with D, A, I, F clear, or the __reserved records are malformed: misaligned
        /// or oversized records, unknown or unsupported magic (SVE, ZA, extra_context), a second
        /// fpsimd record, an fpsimd size other than 528, a missing fpsimd record or terminator.
        /// </summary>
        public static int Restore(ReadOnlySpan<byte> frame, out UserRegisters regs, out ulong mask)
        {
            return Restore(frame, out regs, out mask, out _, out _, out _);
        }

        /// <summary><see cref="Restore(ReadOnlySpan{byte}, out UserRegisters, out ulong)"/> plus the saved uc_stack, which sigreturn hands to sigaltstack.</summary>
        public static int Restore(ReadOnlySpan<byte> frame, out UserRegisters regs, out ulong mask,
            out ulong altStackSp, out int altStackFlags, out ulong altStackSize)
        {
            regs = default;
            mask = 0;
            altStackSp = 0;
            altStackFlags = 0;
            altStackSize = 0;
            if (frame.Length < RtSigframeSize)
                return -Errno.EINVAL;
            mask = Signals.Blockable(LittleEndian.U64(frame, UcSigmaskOffset));
            for (int i = 0; i < 31; i++)
                regs.X[i] = LittleEndian.U64(frame, RegsOffset + i * 8);
            regs.Sp = LittleEndian.U64(frame, SpOffset);
            regs.Pc = LittleEndian.U64(frame, PcOffset);
            ulong pstate = LittleEndian.U64(frame, PstateOffset) & ~PstateRes0;
            regs.Pstate = pstate;
            if ((pstate & (PstateModeMask | PstateMode32 | PstateD | PstateA | PstateI | PstateF)) != 0)
                return -Errno.EINVAL;

            ReadOnlySpan<byte> reserved = frame.Slice(ReservedOffset, ReservedSize);
            int offset = 0;
            bool haveFpsimd = false;
            while (true)
            {
                if (ReservedSize - offset < 8)
                    return -Errno.EINVAL;
                uint magic = LittleEndian.U32(reserved, offset);
                uint size = LittleEndian.U32(reserved, offset + 4);
                if (size > (uint)(ReservedSize - offset))
                    return -Errno.EINVAL;
                if (magic == 0)
                {
                    if (size != 0)
                        return -Errno.EINVAL;
                    break;
                }
                if (magic == FpsimdMagic)
                {
                    if (haveFpsimd || size != FpsimdContextSize)
                        return -Errno.EINVAL;
                    haveFpsimd = true;
                    regs.Fpsr = LittleEndian.U32(reserved, offset + 8);
                    regs.Fpcr = LittleEndian.U32(reserved, offset + 12);
                    for (int i = 0; i < 64; i++)
                        regs.V[i] = LittleEndian.U64(reserved, offset + 16 + i * 8);
                }
                else if (magic != EsrMagic)
                    return -Errno.EINVAL;   // SVE/ZA/ZT/TPIDR2/extra_context need features this kernel lacks; anything else is garbage
                if (size < 8 || (size & 15) != 0)
                    return -Errno.EINVAL;
                offset += (int)size;
            }
            if (!haveFpsimd)
                return -Errno.EINVAL;
            AltStack.ReadStackT(frame.Slice(UcStackOffset, AltStack.Size), out altStackSp, out altStackFlags, out altStackSize);
            return 0;
        }
    }
}
