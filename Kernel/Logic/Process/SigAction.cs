using System;

namespace Kernel.Logic.Process
{
    /// <summary>
    /// The kernel's struct sigaction on arm64 as rt_sigaction passes it: sa_handler (8),
    /// sa_flags (8), sa_restorer (8), sa_mask (8) = 32 bytes.
    /// </summary>
    public struct SigAction
    {
        public const int Size = 32;
        public const int HandlerOffset = 0, FlagsOffset = 8, RestorerOffset = 16, MaskOffset = 24;

        public ulong Handler, Flags, Restorer, Mask;

        /// <summary>Reads a user struct sigaction (at least 32 bytes).</summary>
        public static SigAction Read(ReadOnlySpan<byte> source)
        {
            SigAction a;
            a.Handler = LittleEndian.U64(source, HandlerOffset);
            a.Flags = LittleEndian.U64(source, FlagsOffset);
            a.Restorer = LittleEndian.U64(source, RestorerOffset);
            a.Mask = LittleEndian.U64(source, MaskOffset);
            return a;
        }

        public readonly void Write(Span<byte> destination)
        {
            LittleEndian.Put64(destination, HandlerOffset, Handler);
            LittleEndian.Put64(destination, FlagsOffset, Flags);
            LittleEndian.Put64(destination, RestorerOffset, Restorer);
            LittleEndian.Put64(destination, MaskOffset, Mask);
        }

        /// <summary>
        /// The rt_sigaction rules for installing <paramref name="action"/> on <paramref name="sig"/>:
        /// -EINVAL for an invalid signal or any action on SIGKILL/SIGSTOP; otherwise unknown flags
        /// are dropped and SIGKILL/SIGSTOP removed from the mask.
        /// </summary>
        public static int Validate(int sig, ref SigAction action)
        {
            if (!Signals.IsValid(sig) || Signals.IsUncatchable(sig))
                return -Errno.EINVAL;
            action.Flags &= Signals.KnownActionFlags;
            action.Mask = Signals.Blockable(action.Mask);
            return 0;
        }

        /// <summary>After a handler is set up: SA_RESETHAND puts the disposition back to SIG_DFL.</summary>
        public void AfterDelivery()
        {
            if ((Flags & Signals.SA_RESETHAND) != 0)
                Handler = Signals.SIG_DFL;
        }
    }
}
