using System;
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Logic;

namespace Kernel.Diagnostics
{
    /// <summary>Fatal errors: print everything useful and stop the machine.</summary>
    public static unsafe class Panic
    {
        private static bool s_panicking;

        public static void Install() => ThrowHelpers.SetPanicHandler(&FromManaged);

        private static void FromManaged(char* message, int length)
        {
            Cpu.DisableInterrupts();
            Log.Write("\npanic: ");
            Log.Write(new ReadOnlySpan<char>(message, length));
            Log.Write('\n');
            Backtrace(Cpu.FramePointer(), 0);
            Stop();
        }

        public static void Stop()
        {
            Log.Line("panic: system halted");
            Power.Halt();
        }

        /// <summary>An exception nobody expected: decode it, dump the registers and the call chain.</summary>
        public static void FromTrap(TrapFrame* frame, ulong kind)
        {
            Cpu.DisableInterrupts();
            if (s_panicking)
            {
                Log.Line("\npanic: exception while panicking");
                Power.Halt();
            }
            s_panicking = true;
            uint ec = ExceptionSyndrome.ExceptionClass(frame->Esr);
            Log.Write("\npanic: unexpected exception: ");
            Log.Write(ExceptionSyndrome.ClassName(ec));
            if (ExceptionSyndrome.IsAbort(ec))
            {
                Log.Write(" (");
                Log.Write(ExceptionSyndrome.FaultStatusName(frame->Esr));
                if (ec == ExceptionSyndrome.EcDataAbortLower || ec == ExceptionSyndrome.EcDataAbortSame)
                    Log.Write(ExceptionSyndrome.IsWrite(frame->Esr) ? ", write" : ", read");
                Log.Write(")");
            }
            Log.Write('\n');
            if (ExceptionSyndrome.IsAbort(ec) && Memory.MemoryManager.IsStackGuard(frame->Far))
                Log.Line("panic: kernel stack overflow (guard page hit)");
            Log.Line($"  vector {kind} ESR {frame->Esr:x8} (EC {(ulong)ec:x2}) FAR {frame->Far:x16}");
            Log.Line($"  ELR {frame->Elr:x16} SPSR {frame->Spsr:x8} SP {frame->Sp:x16}");
            for (int i = 0; i < 31; i += 2)
            {
                Log.Write("  ");
                Register(i, frame->X[i]);
                if (i + 1 < 31)
                {
                    Log.Write("  ");
                    Register(i + 1, frame->X[i + 1]);
                }
                Log.Write('\n');
            }
            Log.Line($"  FPSR {frame->Fpsr:x8} FPCR {frame->Fpcr:x8} q0 {frame->Q[1]:x16}:{frame->Q[0]:x16}");
            Log.Line($"  pc {frame->Elr:x16}");
            Backtrace(frame->X[29], 1);
            Stop();
        }

        private static void Register(int n, ulong value)
        {
            Log.Write(n < 10 ? "x0" : "x");
            Log.Write((ulong)n);
            Log.Write(' ');
            Log.WriteHex(value, 16);
        }

        /// <summary>Walks the AArch64 frame records (x29 chain: [fp] = caller's fp, [fp+8] = return address).</summary>
        public static void Backtrace(ulong fp, int firstIndex)
        {
            Log.Line("backtrace (symbolise with Kernel/Tools/Symbolize):");
            int index = firstIndex;
            for (int depth = 0; depth < 32 && fp != 0 && (fp & 7) == 0 && fp >= 0xFFFF_0000_0000_0000UL; depth++)
            {
                ulong* record = (ulong*)fp;
                ulong returnAddress = record[1];
                if (returnAddress == 0)
                    break;
                Log.Line($"  #{index} pc {returnAddress - 4:x16}");
                index++;
                ulong next = record[0];
                if (next <= fp)
                    break;
                fp = next;
            }
        }
    }
}
