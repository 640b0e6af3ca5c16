namespace Emulator.System.Tests;

/// <summary>
/// The storage options as users type them: a mistake is one line on standard error and exit status 1,
/// before any guest runs; the device tree for a -device list is QEMU's; an image in use is refused.
/// </summary>
public sealed class VirtioOptionTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Image(string name = "disk.img")
    {
        var path = _folder.File(name);
        File.WriteAllBytes(path, new byte[1 << 20]);
        return path;
    }

    private string TinyGuest() => BareMetalGuest.Build(_folder, "tiny", "main:\n    bl system_off\n");

    [Fact]
    public void FormatOtherThanRaw() =>
        OptionAssert.Refused(["-kernel", TinyGuest(), "-drive", $"file={Image()},format=qcow2,if=virtio"], "qcow2", "raw");

    [Fact]
    public void MissingImageFile()
    {
        var path = _folder.File("absent.img");
        OptionAssert.Refused(["-kernel", TinyGuest(), "-drive", $"file={path},format=raw,if=virtio"], path, "no such file");
    }

    [Fact]
    public void UnknownDevice() =>
        OptionAssert.Refused(["-kernel", TinyGuest(), "-device", "virtio-gpu-device"], "virtio-gpu-device", "virtio-blk-device");

    [Fact]
    public void InputDeviceProperty_OtherThanSerial() =>
        OptionAssert.Refused(["-kernel", TinyGuest(), "-device", "virtio-keyboard-device,wheel-axis=false"], "virtio-keyboard-device", "wheel-axis");

    [Fact]
    public void DriveIdNotFound() =>
        OptionAssert.Refused(["-kernel", TinyGuest(), "-drive", $"file={Image()},format=raw,if=none,id=d0", "-device", "virtio-blk-device,drive=d1"], "'d1'");

    [Fact]
    public void DriveUsedTwice() =>
        OptionAssert.Refused(
            ["-kernel", TinyGuest(), "-drive", $"file={Image()},format=raw,if=none,id=d0",
             "-device", "virtio-blk-device,drive=d0", "-device", "virtio-blk-device,drive=d0"],
            "'d0'", "in use");

    [Fact]
    public void BlockDeviceWithoutADrive() =>
        OptionAssert.Refused(["-kernel", TinyGuest(), "-device", "virtio-blk-device"], "drive");

    [Fact]
    public void UnknownDriveSetting() =>
        OptionAssert.Refused(["-kernel", TinyGuest(), "-drive", $"file={Image()},format=raw,cache=none"], "cache");

    [Fact]
    public void UnsupportedGlobal() =>
        OptionAssert.Refused(["-kernel", TinyGuest(), "-global", "virtio-pci.disable-legacy=on"], "virtio-pci.disable-legacy");

    [Fact]
    public void ImageWrittenByQemu_IsRefused_AsQemuRefusesIt()
    {
        var image = Image();
        var kernel = TinyGuest();
        var qemuPath = TestEnvironment.RequireTool("qemu-system-aarch64", "qemu-system-arm");
        using var qemu = global::System.Diagnostics.Process.Start(new global::System.Diagnostics.ProcessStartInfo(qemuPath,
            ["-M", "virt", "-S", "-nographic", "-nodefaults", "-display", "none", "-monitor", "none",
             "-drive", $"file={image},format=raw,if=none,id=d0", "-device", "virtio-blk-device,drive=d0"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            // QEMU takes its image locks while it sets the machine up; wait until they are there.
            var deadline = DateTime.UtcNow + Timeout;
            while (!File.ReadAllText("/proc/locks").Contains($":{Inode(image)} 201 201", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline && !qemu.HasExited, "QEMU did not lock the image");
                Thread.Sleep(100);
            }

            OptionAssert.Refused(["-kernel", kernel, "-drive", $"file={image},format=raw,if=virtio"], image, "\"write\" lock");
            OptionAssert.Refused(["-kernel", kernel, "-drive", $"file={image},format=raw,if=virtio,readonly=on"], image, "shared \"write\" lock");
        }
        finally
        {
            qemu.Kill();
            qemu.WaitForExit();
        }
    }

    [Fact]
    public void SameImageTwice_IsRefused() =>
        OptionAssert.Refused(["-kernel", TinyGuest(), "-drive", $"file={Image()},format=raw,if=virtio", "-drive", $"file={Image()},format=raw,if=virtio"], "lock");

    [Fact]
    public void DeviceTree_ForADeviceList_HasQemusVirtioNodes()
    {
        var dtc = TestEnvironment.RequireTool("dtc", "device-tree-compiler");
        var image = Image();
        var kernel = TinyGuest();
        string[] devices =
        [
            "-drive", $"file={image},format=raw,if=none,id=d0,readonly=on",
            "-device", "virtio-blk-device,drive=d0,serial=abc",
            "-device", "virtio-rng-device",
            "-device", "virtio-keyboard-device",
            "-device", "virtio-tablet-device,serial=t1",
            "-device", "virtio-mouse-device",
        ];
        var ours = _folder.File("ours.dtb");
        var qemu = _folder.File("qemu.dtb");

        var dumped = TestEnvironment.RunEmulator(Timeout, ["-M", $"virt,dumpdtb={ours}", "-kernel", kernel, .. devices]);
        Assert.True(dumped.ExitCode == 0, dumped.ToString());
        var qemuDump = TestEnvironment.RunTool(TestEnvironment.RequireTool("qemu-system-aarch64", "qemu-system-arm"),
            ["-M", $"virt,dumpdtb={qemu}", "-nographic", "-nic", "none", .. devices], Timeout); // QEMU 7.2 dumps nothing (status 1) with an ELF -kernel
        Assert.True(qemuDump.ExitCode == 0, qemuDump.ToString());

        var expected = VirtioNodes(dtc, qemu);
        Assert.Equal(32, expected.Count);
        Assert.Equal(expected, VirtioNodes(dtc, ours));
    }

    /// <summary>The virtio_mmio nodes of a blob in their order, each with its property lines sorted.</summary>
    private static List<string> VirtioNodes(string dtc, string blob)
    {
        var source = TestEnvironment.RunTool(dtc, ["-I", "dtb", "-O", "dts", blob], Timeout);
        Assert.True(source.ExitCode == 0, source.ToString());
        return [.. global::System.Text.RegularExpressions.Regex.Matches(source.Stdout, @"(virtio_mmio@[0-9a-f]+) \{([^}]*)\}")
            .Select(m => m.Groups[1].Value + ": " + string.Join(" ", m.Groups[2].Value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Order(StringComparer.Ordinal)))];
    }

    private static string Inode(string path)
    {
        var stat = TestEnvironment.RunTool("/usr/bin/stat", ["-c", "%i", path], Timeout);
        return stat.Stdout.Trim();
    }
}
