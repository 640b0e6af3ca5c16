namespace Kernel.Logic.Threading
{
    /// <summary>
    /// FUTEX_WAKE_OP's encoded operation (futex(2)): bits 28-31 the operation (SET, ADD, OR, ANDN,
    /// XOR; +8 for "1 &lt;&lt; oparg"), 24-27 the comparison (EQ, NE, LT, LE, GT, GE, signed), 12-23
    /// the operand and 0-11 the comparison's argument, both 12-bit signed.
    /// </summary>
    public readonly struct FutexOperation
    {
        private const int OpSet = 0, OpAdd = 1, OpOr = 2, OpAndNot = 3, OpXor = 4, OpArgShift = 8;
        private const int CmpEq = 0, CmpNe = 1, CmpLt = 2, CmpLe = 3, CmpGt = 4, CmpGe = 5;

        private readonly int _op, _cmp, _opArg, _cmpArg;

        private FutexOperation(int op, int cmp, int opArg, int cmpArg)
        {
            _op = op;
            _cmp = cmp;
            _opArg = opArg;
            _cmpArg = cmpArg;
        }

        /// <summary>Decodes <paramref name="encoded"/>; false for an unknown operation or comparison (ENOSYS).</summary>
        public static bool TryDecode(uint encoded, out FutexOperation operation)
        {
            int op = (int)(encoded >> 28) & 0xF;
            int cmp = (int)(encoded >> 24) & 0xF;
            int opArg = SignExtend12((int)(encoded >> 12) & 0xFFF);
            int cmpArg = SignExtend12((int)encoded & 0xFFF);
            operation = default;
            if ((op & 7) > OpXor || cmp > CmpGe)
                return false;
            if ((op & OpArgShift) != 0)
            {
                // Linux takes the shift modulo 32 (it warns about shifts outside 0-31).
                opArg = (int)(1u << (opArg & 31));
                op &= 7;
            }
            operation = new FutexOperation(op, cmp, opArg, cmpArg);
            return true;
        }

        private static int SignExtend12(int value) => (value << 20) >> 20;

        /// <summary>The word's new value, from its old one.</summary>
        public uint NewValue(uint old) => _op switch
        {
            OpSet => (uint)_opArg,
            OpAdd => old + (uint)_opArg,
            OpOr => old | (uint)_opArg,
            OpAndNot => old & ~(uint)_opArg,
            _ => old ^ (uint)_opArg,
        };

        /// <summary>Whether the old value passes the comparison (which decides the second wake).</summary>
        public bool Compare(uint old) => _cmp switch
        {
            CmpEq => (int)old == _cmpArg,
            CmpNe => (int)old != _cmpArg,
            CmpLt => (int)old < _cmpArg,
            CmpLe => (int)old <= _cmpArg,
            CmpGt => (int)old > _cmpArg,
            _ => (int)old >= _cmpArg,
        };
    }
}
