namespace Emulator.System.Tests;

/// <summary>The device tree as users meet it: dumped with -machine dumpdtb and read back with dtc.</summary>
public sealed class DeviceTreeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void DumpedDeviceTreeDecompilesWithDtcAndDescribesTheBoard()
    {
        var dtc = TestEnvironment.RequireTool("dtc", "device-tree-compiler");
        TestEnvironment.RequireDefaultGuest();
        var blob = _folder.File("virt.dtb");

        var dump = TestEnvironment.RunEmulator(Timeout, "-machine", $"virt,dumpdtb={blob}");
        Assert.True(dump.ExitCode == 0, dump.ToString());
        Assert.True(File.Exists(blob), $"no device tree written to {blob}\n{dump}");

        var source = TestEnvironment.RunTool(dtc, ["-I", "dtb", "-O", "dts", blob], Timeout);
        Assert.True(source.ExitCode == 0 && source.Stderr.Length == 0, $"dtc must decompile the blob silently\n{source}");
        foreach (var node in new[] { "pl011@9000000", "pl031@9010000", "intc@8000000", "fw-cfg@9020000" })
        {
            Assert.True(source.Stdout.Contains(node + " {", StringComparison.Ordinal), $"no node {node} in\n{source.Stdout}");
        }
    }
}

public static class DeviceTrees
{
    /// <summary>A minimal valid device tree, compiled by dtc (independent of the emulator's own writer).</summary>
    public static string CompileSmallTree(TempFolder folder)
    {
        var dtc = TestEnvironment.RequireTool("dtc", "device-tree-compiler");
        var source = folder.File("small.dts");
        var blob = folder.File("small.dtb");
        File.WriteAllText(source, """
            /dts-v1/;
            / {
                #address-cells = <2>;
                #size-cells = <2>;
                compatible = "linux,dummy-virt";
                model = "system test tree";
                chosen {
                    bootargs = "console=ttyAMA0";
                };
                memory@40000000 {
                    device_type = "memory";
                    reg = <0x0 0x40000000 0x0 0x8000000>;
                };
            };
            """);
        var compiled = TestEnvironment.RunTool(dtc, ["-I", "dts", "-O", "dtb", "-o", blob, source], TimeSpan.FromSeconds(60));
        Assert.True(compiled.ExitCode == 0, $"dtc could not compile the test's device tree\n{compiled}");
        return blob;
    }
}
