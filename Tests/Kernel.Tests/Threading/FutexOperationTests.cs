using Kernel.Logic.Threading;

namespace Kernel.Tests.Threading;

/// <summary>FUTEX_WAKE_OP's encoded operations, decoded as futex(2) and Linux's futex_atomic_op_inuser describe them.</summary>
public class FutexOperationTests
{
    private static uint Encode(int op, int opArg, int cmp, int cmpArg)
        => (uint)(((op & 0xF) << 28) | ((cmp & 0xF) << 24) | ((opArg & 0xFFF) << 12) | (cmpArg & 0xFFF));

    [Theory]
    [InlineData(0, 7, 10u, 7u)]           // SET
    [InlineData(1, 5, 10u, 15u)]          // ADD
    [InlineData(1, -1, 10u, 9u)]          // ADD of a negative 12-bit operand
    [InlineData(2, 0x30, 0x0Fu, 0x3Fu)]   // OR
    [InlineData(3, 0x0C, 0x0Fu, 0x03u)]   // ANDN
    [InlineData(4, 0xFF, 0x0Fu, 0xF0u)]   // XOR
    [InlineData(8 | 2, 4, 1u, 17u)]       // OR with OPARG_SHIFT: 1 << 4
    [InlineData(8 | 0, 31, 0u, 0x80000000u)] // SET 1 << 31
    public void The_operation_changes_the_word(int op, int opArg, uint old, uint expected)
    {
        Assert.True(FutexOperation.TryDecode(Encode(op, opArg, 0, 0), out FutexOperation operation));
        Assert.Equal(expected, operation.NewValue(old));
    }

    [Theory]
    [InlineData(0, 5, 5u, true)]
    [InlineData(0, 5, 6u, false)]
    [InlineData(1, 5, 6u, true)]           // NE
    [InlineData(2, 0, 0xFFFFFFFFu, true)]  // LT compares signed: -1 < 0
    [InlineData(3, 5, 5u, true)]           // LE
    [InlineData(4, -1, 0u, true)]          // GT of a negative 12-bit argument
    [InlineData(5, 2, 1u, false)]          // GE
    public void The_comparison_is_signed_on_the_old_value(int cmp, int cmpArg, uint old, bool expected)
    {
        Assert.True(FutexOperation.TryDecode(Encode(1, 0, cmp, cmpArg), out FutexOperation operation));
        Assert.Equal(expected, operation.Compare(old));
    }

    [Theory]
    [InlineData(5, 0)]   // no operation 5
    [InlineData(7, 0)]
    [InlineData(0, 6)]   // no comparison 6
    [InlineData(0, 15)]
    public void Unknown_operations_and_comparisons_are_refused(int op, int cmp)
        => Assert.False(FutexOperation.TryDecode(Encode(op, 0, cmp, 0), out _));
}
