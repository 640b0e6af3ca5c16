namespace Emulator.System.Tests;

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
