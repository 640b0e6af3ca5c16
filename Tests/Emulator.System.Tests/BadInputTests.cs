namespace Emulator.System.Tests;

/// <summary>
/// A command line or a file the emulator cannot use: it must exit with status 1 and say what is wrong in
/// exactly one line on standard error, before any guest runs.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Runs the emulator and checks the one-line refusal; returns the line.</summary>
    private static string AssertRefused(string[] arguments, params string[] mustMention)
    {
        var result = TestEnvironment.RunEmulator(Timeout, arguments);
        Assert.True(result.ExitCode == 1, $"expected exit code 1 for: {string.Join(' ', arguments)}\n{result}");
        Assert.True(result.Stdout.Length == 0, $"nothing may reach the console\n{result}");
        var lines = result.Stderr.Split('\n');
        Assert.True(lines.Length == 2 && lines[1].Length == 0 && lines[0].Length > 0,
            $"expected exactly one line on standard error\n{result}");
        foreach (var text in mustMention)
        {
            Assert.True(lines[0].Contains(text, StringComparison.Ordinal), $"the message must mention \"{text}\": {lines[0]}");
        }

        return lines[0];
    }

    [Fact]
    public void MissingKernelFile()
    {
        var path = _folder.File("no-such-kernel");
        AssertRefused(["-kernel", path], path, "no such file");
    }

    [Fact]
    public void UnreadableKernel()
    {
        // The tests run as root, which can read any file; a directory is unreadable as a file for everyone.
        var path = _folder.File("kernel-dir");
        Directory.CreateDirectory(path);
        AssertRefused(["-kernel", path], path, "is a directory");
    }

    [Fact]
    public void TruncatedKernelImage()
    {
        var path = _folder.File("Image-first-MiB");
        using (var image = File.OpenRead(TestEnvironment.DefaultKernel))
        {
            var head = new byte[1 << 20];
            image.ReadExactly(head);
            File.WriteAllBytes(path, head);
        }

        AssertRefused(["-kernel", path], path, "truncated");
    }

    [Fact]
    public void MissingInitrd()
    {
        var path = _folder.File("no-such-initrd");
        AssertRefused(["-kernel", TestEnvironment.DefaultKernel, "-initrd", path], path, "initrd", "no such file");
    }

    [Fact]
    public void DeviceTreeOfRandomBytes()
    {
        var path = _folder.File("random.dtb");
        var bytes = new byte[4096];
        new Random(20240601).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        AssertRefused(["-kernel", TestEnvironment.DefaultKernel, "-dtb", path], path, "device tree", "does not parse");
    }

    [Fact]
    public void DeviceTreeCutInHalf()
    {
        var whole = DeviceTrees.CompileSmallTree(_folder);
        var accepted = TestEnvironment.RunEmulator(Timeout,
            "-machine", $"virt,dumpdtb={_folder.File("out.dtb")}", "-kernel", TestEnvironment.DefaultKernel, "-dtb", whole);
        Assert.True(accepted.ExitCode == 0, $"the whole device tree must be accepted before its half is tried\n{accepted}");
        var half = _folder.File("half.dtb");
        var bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(half, bytes[..(bytes.Length / 2)]);

        AssertRefused(["-kernel", TestEnvironment.DefaultKernel, "-dtb", half], half, "device tree", "does not parse");
    }

    [Fact]
    public void UnknownOptionNamesTheSupportedOnes()
    {
        AssertRefused(["-frobnicate"], "-frobnicate", "-kernel", "-initrd", "-append", "-dtb", "-cpu", "-m", "-machine", "-no-reboot");
    }

    [Fact]
    public void GarbageRamSize()
    {
        AssertRefused(["-m", "lots"], "'lots'", "RAM size");
    }

    [Fact]
    public void UnknownCpu()
    {
        AssertRefused(["-cpu", "pentium"], "'pentium'", "CPU");
    }

    /// <summary>A tiny guest that would run if the machine came up (it never does in these tests).</summary>
    private string TinyGuest() => BareMetalGuest.Build(_folder, "tiny", "main:\n    bl system_off\n");

    [Theory]
    [InlineData("100G")]
    [InlineData("1T")]
    public void RamTheHostCannotProvide(string size)
    {
        var kernel = TinyGuest();
        // QEMU: "cannot set up guest memory 'mach-virt.ram': Cannot allocate memory", status 1.
        var qemu = TestEnvironment.RunQemu(Timeout, "-m", size, "-kernel", kernel);
        Assert.True(qemu.ExitCode == 1 && qemu.Stderr.Contains("cannot set up guest memory", StringComparison.Ordinal),
            $"this host gives QEMU {size} of RAM, so the case cannot be checked here\n{qemu}");

        AssertRefused(["-m", size, "-kernel", kernel], "cannot set up guest memory");
    }

    /// <summary>QEMU's dumpdtb (without -cpu: QEMU 7.2 ignores dumpdtb when -cpu is given and runs the guest).</summary>
    private static ToolResult RunQemuDump(string path, string kernel) =>
        TestEnvironment.RunTool(TestEnvironment.RequireTool("qemu-system-aarch64", "qemu-system-arm"),
            ["-M", $"virt,dumpdtb={path}", "-nographic", "-nic", "none", "-kernel", kernel], Timeout);

    [Fact]
    public void DeviceTreeDumpIntoADirectory()
    {
        var kernel = TinyGuest();
        var directory = _folder.File("dump-dir");
        Directory.CreateDirectory(directory);
        // QEMU cannot write it either and exits with status 1.
        Assert.Equal(1, RunQemuDump(directory, kernel).ExitCode);

        AssertRefused(["-M", $"virt,dumpdtb={directory}", "-kernel", kernel], directory, "is a directory");
    }

    [Fact]
    public void DeviceTreeDumpIntoAFolderThatDoesNotExist()
    {
        var kernel = TinyGuest();
        var path = _folder.File("no-such-dir/virt.dtb");
        Assert.Equal(1, RunQemuDump(path, kernel).ExitCode);

        AssertRefused(["-M", $"virt,dumpdtb={path}", "-kernel", kernel], path, "cannot write device tree");
    }

    [Fact]
    public void KernelThatIsADeviceWithoutEnd()
    {
        // /dev/zero never ends: read to the end it would fill memory (QEMU reads it forever).
        var start = DateTime.UtcNow;
        AssertRefused(["-kernel", "/dev/zero"], "/dev/zero", "not a regular file");
        Assert.True(DateTime.UtcNow - start < TimeSpan.FromSeconds(20), "the refusal must come at once");
    }

    [Fact]
    public void InitrdThatIsADeviceWithoutEnd() =>
        AssertRefused(["-kernel", TinyGuest(), "-initrd", "/dev/zero"], "/dev/zero", "initrd", "not a regular file");
}
