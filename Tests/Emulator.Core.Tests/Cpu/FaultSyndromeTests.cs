using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Unicorn;

namespace Emulator.Core.Tests.Cpu;

/// <summary>Locating ESR/FAR and the target EL of the exception Unicorn just reported, in its saved CPU context.</summary>
public class FaultSyndromeTests
{
    private const uint IL = 1u << 25;

    /// <summary>ESR of a trapped MSR/MRS (EC 0x18) of CNTP_CTL_EL0 (op0 3, op1 3, CRn 14, CRm 2, op2 1).</summary>
    private static uint CntpCtlTrap(int rt, bool read) =>
        (0x18u << 26) | IL | (3u << 20) | (1u << 17) | (3u << 14) | (14u << 10) | ((uint)rt << 5) | (2u << 1) | (read ? 1u : 0);

    [Fact]
    public void Calibration_FindsOneOffsetInsideTheContext_SharedByEveryCpuModel()
    {
        var offsets = new List<int>();
        foreach (var model in Enum.GetValues<CpuModel>())
        {
            using var engine = new UnicornEngine(model);
            using var syndrome = FaultSyndrome.For(engine, model);
            // Read() takes 20 bytes from the offset: ESR, FAR 8 bytes on, the target EL 16 bytes on.
            Assert.InRange(syndrome.Offset, 0, engine.ContextSize - 20);
            offsets.Add(syndrome.Offset);
        }

        Assert.Single(offsets.Distinct());
    }

    [Fact]
    public void Read_AfterAnSvc_ReturnsItsSyndromeAndTargetEl1()
    {
        var probe = RunUntilException(CpuModel.CortexA57, 0xD4000001 | (0x4321 << 5)); // svc #0x4321

        Assert.Equal(2u, probe.Intno);
        Assert.Equal((0x15u << 26) | IL | 0x4321, probe.Esr);
        Assert.Equal(1u, probe.TargetEl);
    }

    public static TheoryData<CpuModel> Models() => [.. Enum.GetValues<CpuModel>()];

    [Theory]
    [MemberData(nameof(Models))]
    public void Read_AfterAPhysicalTimerReadAtEl1_ReturnsATrappedMrsTakenToEl2(CpuModel model)
    {
        var probe = RunUntilException(model, 0xD53BE223); // mrs x3, cntp_ctl_el0

        Assert.Equal(CntpCtlTrap(rt: 3, read: true), probe.Esr);
        Assert.Equal(2u, probe.TargetEl);
    }

    [Fact]
    public void Read_AfterAPhysicalTimerWriteAtEl1_ReturnsATrappedMsrTakenToEl2()
    {
        var probe = RunUntilException(CpuModel.CortexA57, 0xD51BE225); // msr cntp_ctl_el0, x5

        Assert.Equal(CntpCtlTrap(rt: 5, read: false), probe.Esr);
        Assert.Equal(2u, probe.TargetEl);
    }

    /// <summary>Runs <paramref name="instruction"/> at EL1 (as the machine starts the guest) and records the exception it raises.</summary>
    private static unsafe Probe RunUntilException(CpuModel model, uint instruction)
    {
        const ulong ramBase = 0x4000_0000;
        using var ram = new GuestRam(ramBase, 0x1_0000);
        using var engine = new UnicornEngine(model);
        engine.MapRam(ram.Base, ram.Size, ram.Pointer);
        BinaryPrimitives.WriteUInt32LittleEndian(ram.Slice(ramBase, 4), instruction);
        BinaryPrimitives.WriteUInt32LittleEndian(ram.Slice(ramBase + 4, 4), 0x14000000); // b .
        CpuState.EnterEl1(engine);
        using var syndrome = FaultSyndrome.For(engine, model);
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
                Assert.Fail("the instruction never reached the exception hook");
            }
        }
        finally
        {
            handle.Free();
        }

        Assert.True(probe.Recorded, "the guest stopped without an exception");
        return probe;
    }

    private sealed class Probe(UnicornEngine engine, FaultSyndrome syndrome)
    {
        public bool Recorded { get; private set; }

        public uint Intno { get; private set; }

        public uint Esr { get; private set; }

        public uint TargetEl { get; private set; }

        public void Record(uint intno)
        {
            if (!Recorded)
            {
                Recorded = true;
                Intno = intno;
                (Esr, _, TargetEl) = syndrome.Read();
            }

            engine.Stop();
        }
    }

    [UnmanagedCallersOnly]
    private static void OnException(nint uc, uint intno, nint user) => ((Probe)GCHandle.FromIntPtr(user).Target!).Record(intno);
}
