using Emulator.Core.DeviceTree;

namespace Emulator.Core.Tests.DeviceTree;

/// <summary>Checks our blobs against the reference compiler, dtc, in both directions.</summary>
public class DtcInteropTests
{
    private const string SmallSource = """
        /dts-v1/;

        /memreserve/ 0x48000000 0x100000;

        / {
            #address-cells = <2>;
            #size-cells = <2>;
            compatible = "acme,board", "acme,soc";
            interrupt-parent = <&gic>;

            chosen {
                bootargs = "console=ttyAMA0 root=/dev/vda";
            };

            memory@40000000 {
                device_type = "memory";
                reg = <0x0 0x40000000 0x0 0x20000000>;
            };

            gic: interrupt-controller@8000000 {
                compatible = "arm,cortex-a15-gic";
                #interrupt-cells = <3>;
                #address-cells = <0>;
                interrupt-controller;
                reg = <0x0 0x8000000 0x0 0x10000>, <0x0 0x8010000 0x0 0x10000>;
            };

            serial@9000000 {
                compatible = "arm,pl011", "arm,primecell";
                reg = <0x0 0x9000000 0x0 0x1000>;
                interrupts = <0 1 4>;
                status = "okay";
                data = [de ad be ef 01];
            };
        };
        """;

    [Fact]
    public void WriterOutput_DecompilesWithoutWarnings()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt(), SampleTrees.VirtReservations);

        string source = Dtc.Decompile(blob);

        Assert.Contains("/memreserve/\t0x0000000048000000 0x0000000000100000;", source);
        Assert.Contains("/memreserve/\t0x0000000049000000 0x0000000000002000;", source);
        Assert.Contains("bootargs = \"console=ttyAMA0 root=/dev/vda rw\";", source);
        Assert.Contains("memory@40000000 {", source);
        Assert.Contains("reg = <0x00 0x40000000 0x00 0x8000000>;", source);
        Assert.Contains("interrupt-controller;", source);
        Assert.Contains("compatible = \"arm,pl011\\0arm,primecell\";", source);
    }

    [Fact]
    public void DtcOutput_ParsesToTheExpectedTree()
    {
        byte[] blob = Dtc.Compile(SmallSource);

        FdtNode root = FdtReader.Parse(blob);

        Assert.Equal([(0x4800_0000ul, 0x10_0000ul)], FdtReader.ReadReservations(blob));
        Assert.Equal(2u, root.GetProperty("#address-cells")!.AsU32());
        Assert.Equal(["acme,board", "acme,soc"], root.GetProperty("compatible")!.AsStringList());
        Assert.Equal("console=ttyAMA0 root=/dev/vda", root.Find("/chosen")!.GetProperty("bootargs")!.AsString());
        Assert.Equal(new ulong[] { 0x4000_0000, 0x2000_0000 }, root.Find("/memory@40000000")!.GetProperty("reg")!.AsU64Array());
        FdtNode gic = root.Find("/interrupt-controller@8000000")!;
        Assert.Equal(0, gic.GetProperty("interrupt-controller")!.Length);
        Assert.Equal(new uint[] { 0, 0x800_0000, 0, 0x1_0000, 0, 0x801_0000, 0, 0x1_0000 }, gic.GetProperty("reg")!.AsU32Array());
        Assert.NotNull(gic.Phandle);
        Assert.Equal(gic.Phandle, root.GetProperty("interrupt-parent")!.AsU32());
        FdtNode serial = root.Find("/serial")!;
        Assert.Equal(new uint[] { 0, 1, 4 }, serial.GetProperty("interrupts")!.AsU32Array());
        Assert.Equal(new byte[] { 0xde, 0xad, 0xbe, 0xef, 0x01 }, serial.GetProperty("data")!.Value.ToArray());
        Assert.Equal(["chosen", "memory@40000000", "interrupt-controller@8000000", "serial@9000000"], root.Children.Select(c => c.Name));
    }

    [Fact]
    public void DtcOutput_RewrittenByUs_DecompilesToTheSameSource()
    {
        byte[] fromDtc = Dtc.Compile(SmallSource);

        byte[] ours = FdtWriter.Write(FdtReader.Parse(fromDtc), FdtReader.ReadReservations(fromDtc), FdtReader.ReadHeader(fromDtc).BootCpuId);

        Assert.Equal(Dtc.Decompile(fromDtc), Dtc.Decompile(ours));
    }
}
