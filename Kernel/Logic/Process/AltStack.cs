using System;

namespace Kernel.Logic.Process
{
    /// <summary>A thread's alternate signal stack (sigaltstack) and the stack_t that describes it (24 bytes: ss_sp, ss_flags + pad, ss_size).</summary>
    public struct AltStack
    {
        public const int Size = 24;
        public const int SpOffset = 0, FlagsOffset = 8, SizeOffset = 16;

        /// <summary>ss_sp, ss_size, and ss_flags as last set (SS_AUTODISARM kept; 0 size = none).</summary>
        public ulong Sp, StackSize;
        public int Flags;
#pragma warning disable CS0169   // never read: it only fills what would be padding (see SigInfo)
        private readonly int _reserved;
#pragma warning restore CS0169

        /// <summary>Whether <paramref name="sp"/> is on the alternate stack (never, with SS_AUTODISARM).</summary>
        public readonly bool IsOnStack(ulong sp) => (Flags & Signals.SS_AUTODISARM) == 0 && sp > Sp && sp - Sp <= StackSize;

        /// <summary>The ss_flags sigaltstack reports and a signal frame saves for a thread at <paramref name="sp"/>.</summary>
        public readonly int ReportedFlags(ulong sp)
        {
            if (StackSize == 0)
                return Signals.SS_DISABLE;
            return (IsOnStack(sp) ? Signals.SS_ONSTACK : 0) | (Flags & Signals.SS_AUTODISARM);
        }

        /// <summary>Where a handler's frame goes: the top of the alternate stack with SA_ONSTACK when one is set and not in use, else <paramref name="sp"/>.</summary>
        public readonly ulong StackTopFor(ulong sp, ulong actionFlags)
        {
            if ((actionFlags & Signals.SA_ONSTACK) != 0 && StackSize != 0 && !IsOnStack(sp))
                return Sp + StackSize;
            return sp;
        }

        /// <summary>
        /// sigaltstack's change: <paramref name="newSp"/>/<paramref name="newSize"/>/<paramref name="newFlags"/>
        /// from the user's stack_t, the thread at <paramref name="sp"/>. -EPERM while on the
        /// alternate stack, -EINVAL for bad flags, -ENOMEM below MINSIGSTKSZ; 0 and the new state.
        /// </summary>
        public int Change(ulong sp, ulong newSp, ulong newSize, int newFlags)
        {
            if (IsOnStack(sp))
                return -Errno.EPERM;
            int mode = newFlags & ~Signals.SS_AUTODISARM;
            if (mode != Signals.SS_DISABLE && mode != Signals.SS_ONSTACK && mode != 0)
                return -Errno.EINVAL;
            if (Sp == newSp && StackSize == newSize && Flags == newFlags)
                return 0;
            if (mode == Signals.SS_DISABLE)
            {
                newSp = 0;
                newSize = 0;
            }
            else if (newSize < Signals.MINSIGSTKSZ)
                return -Errno.ENOMEM;
            Sp = newSp;
            StackSize = newSize;
            Flags = newFlags;
            return 0;
        }

        /// <summary>After a frame was built on it: SS_AUTODISARM turns the alternate stack off.</summary>
        public void AfterFrameSaved()
        {
            if ((Flags & Signals.SS_AUTODISARM) != 0)
            {
                Sp = 0;
                StackSize = 0;
                Flags = Signals.SS_DISABLE;
            }
        }

        /// <summary>Writes the stack_t sigaltstack(old) and a signal frame report for a thread at <paramref name="sp"/>.</summary>
        public readonly void WriteStackT(Span<byte> destination, ulong sp)
        {
            LittleEndian.Put64(destination, SpOffset, Sp);
            LittleEndian.Put64(destination, FlagsOffset, (uint)ReportedFlags(sp));   // int + 4 bytes of padding
            LittleEndian.Put64(destination, SizeOffset, StackSize);
        }

        /// <summary>Reads a user stack_t (24 bytes).</summary>
        public static void ReadStackT(ReadOnlySpan<byte> source, out ulong sp, out int flags, out ulong size)
        {
            sp = LittleEndian.U64(source, SpOffset);
            flags = (int)LittleEndian.U32(source, FlagsOffset);
            size = LittleEndian.U64(source, SizeOffset);
        }
    }
}
