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

        var dump = TestEnvironment.RunEmulator(Timeout, "-machine", $"virt,dumpdtb={blob}", "-kernel", TestEnvironment.DefaultKernel);
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
