using System.Buffers.Binary;
using Emulator.Core.Memory;
using Emulator.Core.Tests.Support;
using Emulator.Core.Unicorn;

namespace Emulator.Core.Tests.Unicorn;

/// <summary>The checked P/Invoke layer over Unicorn: registers, memory and running guest code on a bare engine.</summary>
public class UnicornEngineTests
{
    private const ulong RamBase = 0x4000_0000;
    private const uint Wfi = 0xD503207F;

    [Fact]
    public void LibraryVersion_IsTheUnicorn21TheProjectPins()
    {
        Assert.Equal("2.1", UnicornEngine.LibraryVersion);
    }

    [Fact]
    public unsafe void TheEngineWorksIn4KiBPages_AsQemusVirtBoard_NotUnicornsDefault1KiB()
    {
        using var engine = new UnicornEngine(CpuModel.CortexA57);
        using var ram = new GuestRam(RamBase, 0x2000);

        // Mappings come in whole target pages: 1 KiB ones (Unicorn's default for AArch64) are refused.
        Assert.Throws<UnicornException>(() => engine.MapRam(RamBase, 0x400, ram.Pointer));
        Assert.Throws<UnicornException>(() => engine.MapRam(RamBase + 0x400, 0x1000, ram.Pointer));
        engine.MapRam(RamBase, 0x1000, ram.Pointer);
        engine.MapRam(RamBase + 0x1000, 0x1000, ram.Pointer + 0x1000);
    }

    [Fact]
    public void EveryXRegister_ReadsBackWhatWasWritten()
    {
        using var engine = new UnicornEngine(CpuModel.CortexA57);
        for (var n = 0; n <= 30; n++)
        {
            engine.WriteX(n, 0x1111_0000_0000_0000UL * (ulong)(n % 15 + 1) + (ulong)n);
        }

        for (var n = 0; n <= 30; n++)
        {
            Assert.Equal(0x1111_0000_0000_0000UL * (ulong)(n % 15 + 1) + (ulong)n, engine.ReadX(n));
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(31)]
    public void XRegisterNumber_OutsideX0ToX30_IsRejected(int n)
    {
        using var engine = new UnicornEngine(CpuModel.CortexA57);

        Assert.Throws<ArgumentOutOfRangeException>(() => engine.ReadX(n));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.WriteX(n, 0));
    }

    [Fact]
    public void Pc_ReadsBackWhatWasWritten()
    {
        using var engine = new UnicornEngine(CpuModel.CortexA57);

        engine.Write(Arm64Reg.Pc, 0x4008_1234);

        Assert.Equal(0x4008_1234UL, engine.Read(Arm64Reg.Pc));
    }

    [Fact]
    public void SystemRegister_WrittenByEncoding_ReadsBackThroughItsNamedRegister()
    {
        using var engine = new UnicornEngine(CpuModel.CortexA57);
        var vbarEl1 = new CpReg(3, 0, 12, 0, 0);

        engine.Write(vbarEl1, 0x4009_0800);

        Assert.Equal(0x4009_0800UL, engine.Read(Arm64Reg.VbarEl1));
        Assert.Equal(0x4009_0800UL, engine.Read(vbarEl1));
    }

    [Fact]
    public void SystemRegister_WrittenByName_ReadsBackThroughItsEncoding()
    {
        using var engine = new UnicornEngine(CpuModel.CortexA57);

        engine.Write(Arm64Reg.TpidrEl1, 0xFEED_FACE_CAFE_BEEF);

        Assert.Equal(0xFEED_FACE_CAFE_BEEFUL, engine.Read(new CpReg(3, 0, 13, 0, 4)));
    }

    [Fact]
    public void GuestInstructions_SeeEachXRegisterUnderItsArchitecturalNumber()
    {
        // add xN, xN, #(N + 1) for every N, then WFI: a register id mapped to the wrong X register shows.
        var code = new List<uint>();
        for (uint n = 0; n <= 30; n++)
        {
            code.Add(0x9100_0000u | ((n + 1) << 10) | (n << 5) | n);
        }

        code.Add(Wfi);
        using var ram = new GuestRam(RamBase, 0x10000);
        using var engine = EngineWithRam(ram);
        Load(ram, RamBase, code);
        for (var n = 0; n <= 30; n++)
        {
            engine.WriteX(n, 1000UL * (ulong)n);
        }

        RunUntilHalt(engine, RamBase);

        for (var n = 0; n <= 30; n++)
        {
            Assert.Equal(1000UL * (ulong)n + (ulong)n + 1, engine.ReadX(n));
        }
    }

    [Fact]
    public void WfiEndsRun_WithPcOnTheNextInstruction()
    {
        using var ram = new GuestRam(RamBase, 0x10000);
        using var engine = EngineWithRam(ram);
        Load(ram, RamBase, [0xD503201F /* nop */, Wfi, 0xD503201F]);

        Assert.Equal(0, RunUntilHalt(engine, RamBase));

        Assert.Equal(RamBase + 8, engine.Read(Arm64Reg.Pc));
    }

    [Fact]
    public void AssembledGuestProgram_ComputesFibonacciNumbersIntoRam()
    {
        const ulong table = RamBase + 0x1000;
        var program = GuestAssembler.Assemble($"""
            _start:
                load_imm x1, 0x{table:x}
                mov x2, #0
                mov x3, #1
                mov x4, #40
            1:  str x2, [x1], #8
                add x5, x2, x3
                mov x2, x3
                mov x3, x5
                subs x4, x4, #1
                b.ne 1b
                wfi
            """, RamBase + 0x8_0000);
        using var ram = new GuestRam(RamBase, 0x10_0000);
        using var engine = EngineWithRam(ram);
        program.Image.CopyTo(ram.Slice(program.Address, program.Image.Length));

        RunUntilHalt(engine, program.Address);

        ulong a = 0, b = 1;
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(a, BinaryPrimitives.ReadUInt64LittleEndian(ram.Slice(table + (ulong)(8 * i), 8)));
            (a, b) = (b, a + b);
        }

        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(ram.Slice(table + (8 * 40), 8)));
    }

    [Fact]
    public void HostWritesThroughTheEngine_LandInTheSharedRamBuffer()
    {
        using var ram = new GuestRam(RamBase, 0x10000);
        using var engine = EngineWithRam(ram);

        engine.WriteMemory(RamBase + 0x123, [1, 2, 3]);

        Assert.Equal(new byte[] { 1, 2, 3 }, ram.Slice(RamBase + 0x123, 3).ToArray());
    }

    [Fact]
    public unsafe void MappingRamAtAnUnalignedAddress_FailsNamingTheCall()
    {
        using var ram = new GuestRam(RamBase, 0x10000);
        using var engine = new UnicornEngine(CpuModel.CortexA57);

        var e = Assert.Throws<UnicornException>(() => engine.MapRam(RamBase + 0x10, 0x1000, ram.Pointer));

        Assert.Contains("map RAM at 0x40000010 size 0x1000", e.Message);
        Assert.NotEqual(0, e.Code);
    }

    [Fact]
    public unsafe void MappingOverlappingRam_FailsNamingTheCall()
    {
        using var ram = new GuestRam(RamBase, 0x10000);
        using var engine = EngineWithRam(ram);

        var e = Assert.Throws<UnicornException>(() => engine.MapRam(RamBase + 0x1000, 0x1000, ram.Pointer));

        Assert.Contains("map RAM at 0x40001000", e.Message);
    }

    private static unsafe UnicornEngine EngineWithRam(GuestRam ram)
    {
        var engine = new UnicornEngine(CpuModel.CortexA57);
        engine.MapRam(ram.Base, ram.Size, ram.Pointer);
        return engine;
    }

    private static void Load(GuestRam ram, ulong address, IReadOnlyList<uint> code)
    {
        var bytes = ram.Slice(address, code.Count * 4);
        for (var i = 0; i < code.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes[(i * 4)..], code[i]);
        }
    }

    /// <summary>Runs a bare engine until the guest's WFI; stops it and fails if that takes too long.</summary>
    private static int RunUntilHalt(UnicornEngine engine, ulong pc)
    {
        var result = -1;
        var thread = new Thread(() => result = engine.Run(pc)) { IsBackground = true };
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(20)))
        {
            engine.Stop();
            thread.Join(TimeSpan.FromSeconds(10));
            Assert.Fail($"the guest did not reach its WFI (pc 0x{engine.Read(Arm64Reg.Pc):x})");
        }

        Assert.True(result == 0, $"uc_emu_start failed: {UnicornEngine.Describe(result)}");
        return result;
    }
}
