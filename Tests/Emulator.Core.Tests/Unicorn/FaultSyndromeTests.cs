using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Unicorn;

namespace Emulator.Core.Tests.Unicorn;

/// <summary>Locating ESR/FAR of the exception Unicorn just reported, in its saved CPU context.</summary>
public class FaultSyndromeTests
{
    [Fact]
    public void Calibration_FindsOneOffsetInsideTheContext_SharedByEveryCpuModel()
    {
        var offsets = new List<int>();
        foreach (var model in Enum.GetValues<CpuModel>())
        {
            using var engine = new UnicornEngine(model);
            using var syndrome = FaultSyndrome.For(engine, model);
            Assert.InRange(syndrome.Offset, 0, engine.ContextSize - 16);
            offsets.Add(syndrome.Offset);
        }

        Assert.Single(offsets.Distinct());
    }

    [Fact]
    public unsafe void Read_InAnExceptionHook_ReturnsTheSyndromeOfThatException()
    {
        const ulong ramBase = 0x4000_0000;
        using var ram = new GuestRam(ramBase, 0x1_0000);
        using var engine = new UnicornEngine(CpuModel.CortexA57);
        engine.MapRam(ram.Base, ram.Size, ram.Pointer);
        BinaryPrimitives.WriteUInt32LittleEndian(ram.Slice(ramBase, 4), 0xD4000001 | (0x4321 << 5)); // svc #0x4321
        BinaryPrimitives.WriteUInt32LittleEndian(ram.Slice(ramBase + 4, 4), 0x14000000); // b .
        CpuState.EnterEl1(engine);
        using var syndrome = FaultSyndrome.For(engine, CpuModel.CortexA57);
        var probe = new Probe(engine, syndrome);
        var handle = GCHandle.Alloc(probe);
        try
        {
            engine.AddInterruptHook(&OnException, GCHandle.ToIntPtr(handle));
            var thread = new Thread(() => engine.Run(ramBase)) { IsBackground = true };
            thread.Start();
            if (!thread.Join(TimeSpan.FromSeconds(20)))
            {
                engine.Stop();
                thread.Join(TimeSpan.FromSeconds(10));
                Assert.Fail("the SVC never reached the exception hook");
            }
        }
        finally
        {
            handle.Free();
        }

        Assert.Equal(2u, probe.Intno);
        Assert.Equal((0x15u << 26) | (1u << 25) | 0x4321, probe.Esr);
    }

    private sealed class Probe(UnicornEngine engine, FaultSyndrome syndrome)
    {
        public uint Intno { get; private set; }

        public uint Esr { get; private set; }

        public void Record(uint intno)
        {
            Intno = intno;
            (Esr, _) = syndrome.Read();
            engine.Stop();
        }
    }

    [UnmanagedCallersOnly]
    private static void OnException(nint uc, uint intno, nint user) => ((Probe)GCHandle.FromIntPtr(user).Target!).Record(intno);
}
