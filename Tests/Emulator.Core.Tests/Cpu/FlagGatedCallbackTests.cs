using System.Runtime.InteropServices;
using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Unicorn;

namespace Emulator.Core.Tests.Cpu;

/// <summary>The native front of the user-block hook: the callback runs only while the cell's flag is set.</summary>
public unsafe class FlagGatedCallbackTests
{
    private const ulong RamBase = 0x4000_0000;

    // 0: mov x0, #10 ; 1: subs x0, x0, #1 ; b.ne 1 ; wfi  (the loop body is one block, run ten times)
    private static readonly uint[] TenBlocks = [0xD2800140, 0xF1000400, 0x54FFFFE1, 0xD503207F];

    /// <summary>Counts its calls in the cell's word 1 (which the front leaves to the callback).</summary>
    [UnmanagedCallersOnly]
    private static void CountCall(nint uc, ulong address, uint size, nint cell) => ((nint*)cell)[1]++;

    private static nint RunWithFlag(nint flag)
    {
        using var ram = new GuestRam(RamBase, 0x10000);
        using var engine = new UnicornEngine(CpuModel.CortexA57);
        engine.MapRam(ram.Base, ram.Size, ram.Pointer);
        engine.WriteCode(RamBase, TenBlocks);
        var cell = FlagGatedCallback.AllocateCell(&CountCall, 0);
        try
        {
            cell[0] = flag;
            engine.AddBlockHook(FlagGatedCallback.CallbackFor(cell), (nint)cell, 0, ulong.MaxValue - 1);
            var result = -1;
            var runner = new Thread(() => result = engine.Run(RamBase)) { IsBackground = true };
            runner.Start();
            if (!runner.Join(TimeSpan.FromSeconds(20)))
            {
                engine.Stop();
                runner.Join(TimeSpan.FromSeconds(10));
                Assert.Fail("the guest did not reach its WFI");
            }

            Assert.Equal(0, result);
            Assert.Equal(0UL, engine.ReadX(0));
            return cell[1];
        }
        finally
        {
            NativeMemory.Free(cell);
        }
    }

    [Fact]
    public void FlagClear_TheCallbackIsNotCalled()
    {
        Assert.Equal(0, RunWithFlag(0));
    }

    [Fact]
    public void FlagSet_TheCallbackRunsAtEveryBlockWithTheCell()
    {
        // The first block, the loop's ten, and the WFI's block after it (Unicorn may split differently, never fewer).
        Assert.InRange(RunWithFlag(1), 11, 20);
    }
}
