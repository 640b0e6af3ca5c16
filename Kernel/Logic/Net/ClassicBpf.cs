using System;

namespace Kernel.Logic.Net
{
    /// <summary>
    /// Classic BPF (SO_ATTACH_FILTER's socket filters, Linux's net/core/filter.c behaviour): a program is an
    /// array of 8-byte struct sock_filter {u16 code; u8 jt; u8 jf; u32 k} as user space wrote it (little-endian).
    /// <see cref="Validate"/> refuses what Linux's bpf_check_classic refuses (EINVAL), so <see cref="Run"/> only
    /// sees programs that end: jumps go forward and stay inside, the last instruction returns, scratch memory
    /// is written before it is read. A load outside the packet ends the program with 0 (drop), as in Linux.
    /// The result is how many bytes of the packet to keep (0: drop it).
    /// </summary>
    public static class ClassicBpf
    {
        public const int InstructionSize = 8, MaxInstructions = 4096, MemoryWords = 16;
        /// <summary>The negative offsets of ancillary data, of the network header and of the link-layer header.</summary>
        public const uint AncillaryBase = 0xFFFF_F000, NetworkBase = 0xFFF0_0000, LinkBase = 0xFFE0_0000;
        public const uint AncillaryProtocol = 0, AncillaryPacketType = 4, AncillaryIfindex = 8, AncillaryMark = 20,
            AncillaryQueue = 24, AncillaryHardwareType = 28, AncillaryRxHash = 32, AncillaryCpu = 36, AncillaryXorX = 40,
            AncillaryVlanTag = 44, AncillaryVlanPresent = 48, AncillaryRandom = 56, AncillaryVlanTpid = 60;

        // Classes, sizes, modes, operations (include/uapi/linux/bpf_common.h).
        private const int Ld = 0, Ldx = 1, St = 2, Stx = 3, Alu = 4, Jmp = 5, Ret = 6, Misc = 7;
        private const int SizeW = 0x00, SizeH = 0x08, SizeB = 0x10;
        private const int ModeImm = 0x00, ModeAbs = 0x20, ModeInd = 0x40, ModeMem = 0x60, ModeLen = 0x80, ModeMsh = 0xA0;
        private const int OpAdd = 0x00, OpSub = 0x10, OpMul = 0x20, OpDiv = 0x30, OpOr = 0x40, OpAnd = 0x50, OpLsh = 0x60,
            OpRsh = 0x70, OpNeg = 0x80, OpMod = 0x90, OpXor = 0xA0;
        private const int OpJa = 0x00, OpJeq = 0x10, OpJgt = 0x20, OpJge = 0x30, OpJset = 0x40;
        private const int SourceX = 0x08;
        private const int RetK = 0x00, RetA = 0x10;

        /// <summary>What the filter may ask about the packet besides its bytes.</summary>
        public struct Context
        {
            /// <summary>The frame's EtherType in network order, as skb->protocol.</summary>
            public ushort Protocol;
            public byte PacketType;
            public int Ifindex;
            public ushort HardwareType;
        }

        public static ushort Code(ReadOnlySpan<byte> program, int pc) => LittleEndian.U16(program, pc * InstructionSize);
        private static byte Jt(ReadOnlySpan<byte> program, int pc) => program[pc * InstructionSize + 2];
        private static byte Jf(ReadOnlySpan<byte> program, int pc) => program[pc * InstructionSize + 3];
        private static uint K(ReadOnlySpan<byte> program, int pc) => LittleEndian.U32(program, pc * InstructionSize + 4);

        /// <summary>Whether <paramref name="code"/> is an instruction Linux accepts from user space.</summary>
        private static bool Allowed(int code)
        {
            switch (code)
            {
                // ALU with K or X
                case Alu | OpAdd:
                case Alu | OpAdd | SourceX:
                case Alu | OpSub:
                case Alu | OpSub | SourceX:
                case Alu | OpMul:
                case Alu | OpMul | SourceX:
                case Alu | OpDiv:
                case Alu | OpDiv | SourceX:
                case Alu | OpMod:
                case Alu | OpMod | SourceX:
                case Alu | OpAnd:
                case Alu | OpAnd | SourceX:
                case Alu | OpOr:
                case Alu | OpOr | SourceX:
                case Alu | OpXor:
                case Alu | OpXor | SourceX:
                case Alu | OpLsh:
                case Alu | OpLsh | SourceX:
                case Alu | OpRsh:
                case Alu | OpRsh | SourceX:
                case Alu | OpNeg:
                // loads
                case Ld | SizeW | ModeAbs:
                case Ld | SizeH | ModeAbs:
                case Ld | SizeB | ModeAbs:
                case Ld | SizeW | ModeLen:
                case Ld | SizeW | ModeInd:
                case Ld | SizeH | ModeInd:
                case Ld | SizeB | ModeInd:
                case Ld | ModeImm:
                case Ld | ModeMem:
                case Ldx | SizeW | ModeLen:
                case Ldx | SizeB | ModeMsh:
                case Ldx | ModeImm:
                case Ldx | ModeMem:
                // stores, registers, returns
                case St:
                case Stx:
                case Misc:
                case Misc | 0x80:
                case Ret | RetK:
                case Ret | RetA:
                // jumps
                case Jmp | OpJa:
                case Jmp | OpJeq:
                case Jmp | OpJeq | SourceX:
                case Jmp | OpJge:
                case Jmp | OpJge | SourceX:
                case Jmp | OpJgt:
                case Jmp | OpJgt | SourceX:
                case Jmp | OpJset:
                case Jmp | OpJset | SourceX:
                    return true;
                default:
                    return false;
            }
        }

        private static bool IsConditionalJump(int code) => (code & 7) == Jmp && (code & 0xF0) != OpJa;

        private static bool KnownAncillary(uint offset) => offset switch
        {
            AncillaryProtocol or AncillaryPacketType or AncillaryIfindex or AncillaryMark or AncillaryQueue
                or AncillaryHardwareType or AncillaryRxHash or AncillaryCpu or AncillaryXorX or AncillaryVlanTag
                or AncillaryVlanPresent or AncillaryRandom or AncillaryVlanTpid => true,
            _ => false,
        };

        /// <summary>0 when <paramref name="program"/> (whole instructions) is a valid filter, else -EINVAL.</summary>
        public static int Validate(ReadOnlySpan<byte> program)
        {
            if (program.Length % InstructionSize != 0)
                return -Errno.EINVAL;
            int length = program.Length / InstructionSize;
            if (length == 0 || length > MaxInstructions)
                return -Errno.EINVAL;
            for (int pc = 0; pc < length; pc++)
            {
                int code = Code(program, pc);
                uint k = K(program, pc);
                if (!Allowed(code))
                    return -Errno.EINVAL;
                switch (code)
                {
                    case Alu | OpDiv:
                    case Alu | OpMod:
                        if (k == 0)
                            return -Errno.EINVAL;
                        break;
                    case Alu | OpLsh:
                    case Alu | OpRsh:
                        if (k >= 32)
                            return -Errno.EINVAL;
                        break;
                    case Ld | ModeMem:
                    case Ldx | ModeMem:
                    case St:
                    case Stx:
                        if (k >= MemoryWords)
                            return -Errno.EINVAL;
                        break;
                    case Jmp | OpJa:
                        if (k >= (uint)(length - pc - 1))
                            return -Errno.EINVAL;
                        break;
                    case Ld | SizeW | ModeAbs:
                    case Ld | SizeH | ModeAbs:
                    case Ld | SizeB | ModeAbs:
                        if (k >= AncillaryBase && !KnownAncillary(k - AncillaryBase))
                            return -Errno.EINVAL;
                        break;
                }
                if (IsConditionalJump(code) && (pc + Jt(program, pc) + 1 >= length || pc + Jf(program, pc) + 1 >= length))
                    return -Errno.EINVAL;
            }
            int last = Code(program, length - 1);
            if (last != (Ret | RetK) && last != (Ret | RetA))
                return -Errno.EINVAL;
            return CheckMemory(program, length);
        }

        /// <summary>Every scratch word is stored on every path before it is loaded (check_load_and_stores).</summary>
        private static int CheckMemory(ReadOnlySpan<byte> program, int length)
        {
            ushort[] masks = new ushort[length];
            for (int i = 0; i < length; i++)
                masks[i] = 0xFFFF;
            ushort valid = 0;
            int result = 0;
            for (int pc = 0; pc < length && result == 0; pc++)
            {
                valid &= masks[pc];
                int code = Code(program, pc);
                uint k = K(program, pc);
                switch (code)
                {
                    case St:
                    case Stx:
                        valid |= (ushort)(1 << (int)k);
                        break;
                    case Ld | ModeMem:
                    case Ldx | ModeMem:
                        if ((valid & (1 << (int)k)) == 0)
                            result = -Errno.EINVAL;
                        break;
                    case Jmp | OpJa:
                        masks[pc + 1 + (int)k] &= valid;
                        valid = 0xFFFF;
                        break;
                    default:
                        if (IsConditionalJump(code))
                        {
                            masks[pc + 1 + Jt(program, pc)] &= valid;
                            masks[pc + 1 + Jf(program, pc)] &= valid;
                            valid = 0xFFFF;
                        }
                        break;
                }
            }
            Owned.Free(masks);
            return result;
        }

        /// <summary>
        /// Runs a validated program over <paramref name="frame"/>, whose bytes from <paramref name="dataOffset"/> are
        /// the packet it sees (offset 0 of its loads); the bytes before are the link-layer header (SKF_LL_OFF).
        /// Returns the number of bytes to keep (0: drop).
        /// </summary>
        public static uint Run(ReadOnlySpan<byte> program, ReadOnlySpan<byte> frame, int dataOffset, int networkOffset, in Context context, uint random = 0)
        {
            ReadOnlySpan<byte> packet = frame.Slice(dataOffset);
            uint a = 0, x = 0;
            Span<uint> memory = stackalloc uint[MemoryWords];
            memory.Clear();
            int length = program.Length / InstructionSize;
            for (int pc = 0; pc < length; pc++)
            {
                int code = Code(program, pc);
                uint k = K(program, pc);
                switch (code & 7)
                {
                    case Ld:
                        switch (code & 0xE0)
                        {
                            case ModeImm: a = k; break;
                            case ModeMem: a = memory[(int)k]; break;
                            case ModeLen: a = (uint)packet.Length; break;
                            case ModeAbs:
                            case ModeInd:
                                {
                                    if ((code & 0xE0) == ModeAbs && k >= AncillaryBase)
                                    {
                                        a = Ancillary(k - AncillaryBase, a, x, packet.Length, in context, random);
                                        break;
                                    }
                                    long offset = (code & 0xE0) == ModeInd ? (long)(int)k + x : (int)k;
                                    if (!Load(frame, dataOffset, networkOffset, offset, code & 0x18, out a))
                                        return 0;
                                    break;
                                }
                        }
                        break;
                    case Ldx:
                        switch (code & 0xE0)
                        {
                            case ModeImm: x = k; break;
                            case ModeMem: x = memory[(int)k]; break;
                            case ModeLen: x = (uint)packet.Length; break;
                            case ModeMsh:
                                if (!Load(frame, dataOffset, networkOffset, (int)k, SizeB, out uint b))
                                    return 0;
                                x = (b & 0xF) * 4;
                                break;
                        }
                        break;
                    case St:
                        memory[(int)k] = a;
                        break;
                    case Stx:
                        memory[(int)k] = x;
                        break;
                    case Alu:
                        {
                            uint operand = (code & SourceX) != 0 ? x : k;
                            switch (code & 0xF0)
                            {
                                case OpAdd: a += operand; break;
                                case OpSub: a -= operand; break;
                                case OpMul: a *= operand; break;
                                case OpDiv:
                                    if (operand == 0)
                                        return 0;
                                    a /= operand;
                                    break;
                                case OpMod:
                                    if (operand == 0)
                                        return 0;
                                    a %= operand;
                                    break;
                                case OpOr: a |= operand; break;
                                case OpAnd: a &= operand; break;
                                case OpXor: a ^= operand; break;
                                case OpLsh: a = operand >= 32 ? 0 : a << (int)operand; break;
                                case OpRsh: a = operand >= 32 ? 0 : a >> (int)operand; break;
                                case OpNeg: a = (uint)-(int)a; break;
                            }
                            break;
                        }
                    case Jmp:
                        {
                            if ((code & 0xF0) == OpJa)
                            {
                                pc += (int)k;
                                break;
                            }
                            uint operand = (code & SourceX) != 0 ? x : k;
                            bool taken = (code & 0xF0) switch
                            {
                                OpJeq => a == operand,
                                OpJgt => a > operand,
                                OpJge => a >= operand,
                                _ => (a & operand) != 0,
                            };
                            pc += taken ? Jt(program, pc) : Jf(program, pc);
                            break;
                        }
                    case Ret:
                        return (code & 0x18) == RetA ? a : k;
                    case Misc:
                        if ((code & 0xF8) == 0)
                            x = a;
                        else
                            a = x;
                        break;
                }
            }
            return 0; // not reached by a validated program: its last instruction returns
        }

        private static uint Ancillary(uint which, uint a, uint x, int length, in Context context, uint random) => which switch
        {
            AncillaryProtocol => context.Protocol,
            AncillaryPacketType => context.PacketType,
            AncillaryIfindex => (uint)context.Ifindex,
            AncillaryHardwareType => context.HardwareType,
            AncillaryXorX => a ^ x,
            AncillaryRandom => random,
            _ => 0,
        };

        /// <summary>A big-endian load of 4, 2 or 1 bytes at <paramref name="offset"/> (or relative to the network or link header); false outside the frame.</summary>
        private static bool Load(ReadOnlySpan<byte> frame, int dataOffset, int networkOffset, long offset, int size, out uint value)
        {
            value = 0;
            long at;
            if (offset >= 0)
                at = dataOffset + offset;
            else if ((uint)offset >= NetworkBase && (uint)offset < AncillaryBase)
                at = networkOffset + ((uint)offset - NetworkBase);
            else if ((uint)offset >= LinkBase && (uint)offset < NetworkBase)
                at = (uint)offset - LinkBase;
            else
                return false;
            int n = size == SizeW ? 4 : size == SizeH ? 2 : 1;
            if (at < 0 || at + n > frame.Length || (offset >= 0 && at < dataOffset))
                return false;
            for (int i = 0; i < n; i++)
                value = value << 8 | frame[(int)at + i];
            return true;
        }
    }
}
