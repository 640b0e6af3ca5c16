using System.Text;

namespace Emulator.Core.Debug;

/// <summary>
/// The registers this stub offers gdb and the target description (qXfer:features:read:target.xml) that names
/// them: gdb's aarch64 core feature (x0-x30, sp, pc, cpsr: numbers 0-33), its FP feature (v0-v31, fpsr,
/// fpcr: 34-67) and a feature of EL1 system registers (68 on). The g packet carries the core and FP
/// registers in number order; system registers go through p and P only.
/// </summary>
public static class Aarch64Registers
{
    public const string CoreFeature = "org.gnu.gdb.aarch64.core";
    public const string FpuFeature = "org.gnu.gdb.aarch64.fpu";
    public const string SystemFeature = "org.qemu.gdb.arm.sys.regs";

    public const int Sp = 31;
    public const int Pc = 32;
    public const int Cpsr = 33;
    public const int V0 = 34;
    public const int Fpsr = 66;
    public const int Fpcr = 67;
    public const int FirstSystem = 68;

    /// <summary>The registers of the g packet: core and FP.</summary>
    public const int GPacketCount = FirstSystem;

    public static IReadOnlyList<GdbRegister> All { get; } = Build();

    public static GdbRegister? Find(int number) => number >= 0 && number < All.Count ? All[number] : null;

    /// <summary>The size of the g packet's data in bytes.</summary>
    public static int GPacketSize { get; } = All.Take(GPacketCount).Sum(r => r.Size);

    private static List<GdbRegister> Build()
    {
        var list = new List<GdbRegister>();
        for (var i = 0; i < 31; i++)
        {
            list.Add(new(list.Count, $"x{i}", 64, "int", CoreFeature));
        }

        list.Add(new(list.Count, "sp", 64, "data_ptr", CoreFeature));
        list.Add(new(list.Count, "pc", 64, "code_ptr", CoreFeature));
        list.Add(new(list.Count, "cpsr", 32, "int", CoreFeature));
        for (var i = 0; i < 32; i++)
        {
            list.Add(new(list.Count, $"v{i}", 128, "aarch64v", FpuFeature));
        }

        list.Add(new(list.Count, "fpsr", 32, "int", FpuFeature));
        list.Add(new(list.Count, "fpcr", 32, "int", FpuFeature));
        (string Name, uint Op0, uint Op1, uint Crn, uint Crm, uint Op2)[] system =
        [
            ("MIDR_EL1", 3, 0, 0, 0, 0),
            ("MPIDR_EL1", 3, 0, 0, 0, 5),
            ("SCTLR_EL1", 3, 0, 1, 0, 0),
            ("CPACR_EL1", 3, 0, 1, 0, 2),
            ("TTBR0_EL1", 3, 0, 2, 0, 0),
            ("TTBR1_EL1", 3, 0, 2, 0, 1),
            ("TCR_EL1", 3, 0, 2, 0, 2),
            ("SPSR_EL1", 3, 0, 4, 0, 0),
            ("ELR_EL1", 3, 0, 4, 0, 1),
            ("SP_EL0", 3, 0, 4, 1, 0),
            ("ESR_EL1", 3, 0, 5, 2, 0),
            ("FAR_EL1", 3, 0, 6, 0, 0),
            ("PAR_EL1", 3, 0, 7, 4, 0),
            ("MAIR_EL1", 3, 0, 10, 2, 0),
            ("VBAR_EL1", 3, 0, 12, 0, 0),
            ("CONTEXTIDR_EL1", 3, 0, 13, 0, 1),
            ("TPIDR_EL1", 3, 0, 13, 0, 4),
            ("CNTKCTL_EL1", 3, 0, 14, 1, 0),
            ("TPIDR_EL0", 3, 3, 13, 0, 2),
            ("TPIDRRO_EL0", 3, 3, 13, 0, 3),
            ("CNTFRQ_EL0", 3, 3, 14, 0, 0),
            ("CNTVCT_EL0", 3, 3, 14, 0, 2),
            ("CNTV_CTL_EL0", 3, 3, 14, 3, 1),
            ("CNTV_CVAL_EL0", 3, 3, 14, 3, 2),
            ("CNTP_CTL_EL0", 3, 3, 14, 2, 1),
            ("CNTP_CVAL_EL0", 3, 3, 14, 2, 2),
            ("SP_EL1", 3, 4, 4, 1, 0),
        ];
        foreach (var (name, op0, op1, crn, crm, op2) in system)
        {
            list.Add(new(list.Count, name, 64, "uint64", SystemFeature, (op0, op1, crn, crm, op2)));
        }

        return list;
    }

    /// <summary>The target description gdb reads with qXfer:features:read:target.xml.</summary>
    public static string TargetXml { get; } = BuildTargetXml();

    private static string BuildTargetXml()
    {
        var xml = new StringBuilder();
        xml.Append("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
        xml.Append("<architecture>aarch64</architecture>\n");
        foreach (var feature in new[] { CoreFeature, FpuFeature, SystemFeature })
        {
            xml.Append($"<feature name=\"{feature}\">\n");
            if (feature == FpuFeature)
            {
                // The vector view gdb's own aarch64 description gives V registers.
                xml.Append("""
                    <vector id="v2d" type="ieee_double" count="2"/>
                    <vector id="v2u" type="uint64" count="2"/>
                    <vector id="v2i" type="int64" count="2"/>
                    <vector id="v4f" type="ieee_single" count="4"/>
                    <vector id="v4u" type="uint32" count="4"/>
                    <vector id="v4i" type="int32" count="4"/>
                    <vector id="v8u" type="uint16" count="8"/>
                    <vector id="v8i" type="int16" count="8"/>
                    <vector id="v16u" type="uint8" count="16"/>
                    <vector id="v16i" type="int8" count="16"/>
                    <vector id="v1u" type="uint128" count="1"/>
                    <vector id="v1i" type="int128" count="1"/>
                    <union id="vnd"><field name="f" type="v2d"/><field name="u" type="v2u"/><field name="s" type="v2i"/></union>
                    <union id="vns"><field name="f" type="v4f"/><field name="u" type="v4u"/><field name="s" type="v4i"/></union>
                    <union id="vnh"><field name="u" type="v8u"/><field name="s" type="v8i"/></union>
                    <union id="vnb"><field name="u" type="v16u"/><field name="s" type="v16i"/></union>
                    <union id="vnq"><field name="u" type="v1u"/><field name="s" type="v1i"/></union>
                    <union id="aarch64v"><field name="d" type="vnd"/><field name="s" type="vns"/><field name="h" type="vnh"/><field name="b" type="vnb"/><field name="q" type="vnq"/></union>

                    """);
            }

            foreach (var reg in All.Where(r => r.Feature == feature))
            {
                var group = feature == SystemFeature ? " group=\"system\"" : feature == FpuFeature && reg.Number < Fpsr ? " group=\"vector\"" : "";
                xml.Append($"<reg name=\"{reg.Name}\" bitsize=\"{reg.BitSize}\" regnum=\"{reg.Number}\" type=\"{reg.Type}\"{group}/>\n");
            }

            xml.Append("</feature>\n");
        }

        xml.Append("</target>\n");
        return xml.ToString();
    }
}
