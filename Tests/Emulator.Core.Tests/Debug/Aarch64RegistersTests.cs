using System.Xml.Linq;
using Emulator.Core.Debug;

namespace Emulator.Core.Tests.Debug;

public class Aarch64RegistersTests
{
    [Fact]
    public void Core_and_fp_registers_have_gdbs_aarch64_numbers_and_sizes()
    {
        Assert.Equal("x0", Aarch64Registers.All[0].Name);
        Assert.Equal("x30", Aarch64Registers.All[30].Name);
        Assert.Equal(("sp", 64), (Aarch64Registers.All[31].Name, Aarch64Registers.All[31].BitSize));
        Assert.Equal(("pc", 64), (Aarch64Registers.All[32].Name, Aarch64Registers.All[32].BitSize));
        Assert.Equal(("cpsr", 32), (Aarch64Registers.All[33].Name, Aarch64Registers.All[33].BitSize));
        Assert.Equal(("v0", 128), (Aarch64Registers.All[34].Name, Aarch64Registers.All[34].BitSize));
        Assert.Equal(("v31", 128), (Aarch64Registers.All[65].Name, Aarch64Registers.All[65].BitSize));
        Assert.Equal(("fpsr", 32), (Aarch64Registers.All[66].Name, Aarch64Registers.All[66].BitSize));
        Assert.Equal(("fpcr", 32), (Aarch64Registers.All[67].Name, Aarch64Registers.All[67].BitSize));
    }

    [Fact]
    public void The_g_packet_holds_the_core_and_fp_registers()
    {
        Assert.Equal(68, Aarch64Registers.GPacketCount);
        Assert.Equal((31 * 8) + 8 + 8 + 4 + (32 * 16) + 4 + 4, Aarch64Registers.GPacketSize);
        Assert.True(Aarch64Registers.GPacketSize * 2 < GdbSession.PacketSize);
    }

    [Fact]
    public void Register_numbers_are_their_positions()
    {
        for (var i = 0; i < Aarch64Registers.All.Count; i++)
        {
            Assert.Equal(i, Aarch64Registers.All[i].Number);
        }

        Assert.Null(Aarch64Registers.Find(-1));
        Assert.Null(Aarch64Registers.Find(Aarch64Registers.All.Count));
    }

    [Fact]
    public void The_target_description_is_xml_with_the_three_features_and_every_register()
    {
        var target = XDocument.Parse(Aarch64Registers.TargetXml).Root!;
        Assert.Equal("aarch64", target.Element("architecture")!.Value);
        var features = target.Elements("feature").Select(f => f.Attribute("name")!.Value).ToArray();
        Assert.Equal([Aarch64Registers.CoreFeature, Aarch64Registers.FpuFeature, Aarch64Registers.SystemFeature], features);
        var regs = target.Descendants("reg").ToArray();
        Assert.Equal(Aarch64Registers.All.Count, regs.Length);
        foreach (var (reg, element) in Aarch64Registers.All.Zip(regs))
        {
            Assert.Equal(reg.Name, element.Attribute("name")!.Value);
            Assert.Equal(reg.Number.ToString(), element.Attribute("regnum")!.Value);
            Assert.Equal(reg.BitSize.ToString(), element.Attribute("bitsize")!.Value);
        }

        // Every type a register names is predefined by gdb or defined in the description.
        var defined = target.Descendants().Where(e => e.Name.LocalName is "vector" or "union").Select(e => e.Attribute("id")!.Value).ToHashSet();
        var predefined = new[] { "int", "uint64", "code_ptr", "data_ptr" };
        Assert.All(regs, r => Assert.True(predefined.Contains(r.Attribute("type")!.Value) || defined.Contains(r.Attribute("type")!.Value)));
    }

    [Fact]
    public void System_registers_carry_their_encodings()
    {
        var vbar = Aarch64Registers.All.Single(r => r.Name == "VBAR_EL1");
        Assert.Equal((3u, 0u, 12u, 0u, 0u), vbar.SystemRegister);
        Assert.All(Aarch64Registers.All.Skip(Aarch64Registers.FirstSystem), r => Assert.NotNull(r.SystemRegister));
    }
}
