using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kernel.Tests.Display;

/// <summary>
/// The kernel's framebuffer on QEMU's ramfb, booted as `dotnet run` boots it (root on the set-up's disk):
/// the kernel configures ramfb through fw_cfg's DMA interface at the size <c>video=</c> asks, /dev/fb0 has
/// Linux's fbdev interface, and what a program draws through mmap is what the machine shows: a QMP
/// screendump has every pixel of the pattern <c>fbtest draw</c> writes.
/// </summary>
public abstract class FramebufferTests : IDisposable
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"fb-{Environment.ProcessId}-{Guid.NewGuid():N}");
    private readonly QemuMachine _machine;
    private readonly QmpClient _qmp;

    protected FramebufferTests(BootMachine machine)
    {
        Directory.CreateDirectory(_folder);
        string disk = Path.Combine(_folder, "root.ext2");
        File.Copy(DiskRootTests.PristineDisk, disk);
        string socket = Path.Combine(_folder, "qmp.sock");
        _machine = new QemuMachine(machine, "console=ttyAMA0 root=/dev/vda rw video=320x240", "512M",
            "-device", "ramfb", "-qmp", $"unix:{socket},server=on,wait=off",
            "-drive", $"file={disk},format=raw,if=none,id=root", "-device", "virtio-blk-device,drive=root");
        _machine.WaitFor(@"^Its recipe is disk-images/", BootTimeout);
        _qmp = QmpClient.Connect(socket, TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        _qmp.Dispose();
        _machine.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void The_kernel_sets_up_ramfb_at_the_size_video_asks()
    {
        _machine.WaitFor(@"^ramfb: 320x240 XRGB8888 at 0x[0-9a-f]+ \(300 KiB\), /dev/fb0$", BootTimeout);
        string output = _machine.RunShellCommand("ls -l /dev/fb0; fbtest info");
        Assert.Matches(new Regex(@"^crw-rw----\s+1 root\s+root\s+29,\s+0 .* /dev/fb0$", RegexOptions.Multiline), output);
        Assert.Contains("fb: 320x240 virtual 320x240, 32 bpp, rgba offsets 16/8/0/0 lengths 8/8/8/0", output);
        Assert.Contains("fb: id ramfb, 307200 bytes, line 1280 bytes, type 0, visual 2", output);
    }

    [Fact]
    public void What_a_program_draws_through_mmap_is_on_the_screen()
    {
        string output = _machine.RunShellCommand("fbtest draw; echo status $?");
        Assert.Contains("fbtest: drew 320x240", output);
        Assert.Contains("status 0", output);
        string shot = Path.Combine(_folder, "shot.ppm");
        _qmp.Execute("screendump", new JsonObject { ["filename"] = shot });
        var (width, height, rgb) = ReadPpm(shot);
        Assert.Equal((320, 240), (width, height));
        int wrong = 0;
        string first = "";
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                (int R, int G, int B) expected = ((x * 3 + y) & 255, (y * 5) & 255, (x ^ y) & 255);
                if ((rgb[i], rgb[i + 1], rgb[i + 2]) != expected && wrong++ == 0)
                    first = $"({x}, {y}) is {rgb[i]},{rgb[i + 1]},{rgb[i + 2]}, not {expected}";
            }
        Assert.True(wrong == 0, $"{wrong} pixels differ from the pattern; the first: {first}");
    }

    [Fact]
    public void Reads_and_writes_stop_at_the_end_of_the_picture()
    {
        // 307200 bytes, 75 blocks of 4096: the 76th write is ENOSPC, as Linux's fbdev says; reading ends there.
        string output = _machine.RunShellCommand("dd if=/dev/zero of=/dev/fb0 bs=4096 count=80 2>&1; echo; dd if=/dev/fb0 of=/dev/null bs=4096 2>&1");
        Assert.Contains("No space left on device", output);
        Assert.Contains("75+0 records out", output);
        Assert.Contains("75+0 records in", output);
    }

    /// <summary>A binary PPM (P6, 8 bits a channel) as QEMU's screendump writes it.</summary>
    private static (int Width, int Height, byte[] Rgb) ReadPpm(string path)
    {
        byte[] data = File.ReadAllBytes(path);
        int at = 0;
        string Token()
        {
            while (char.IsWhiteSpace((char)data[at]))
                at++;
            int start = at;
            while (!char.IsWhiteSpace((char)data[at]))
                at++;
            return System.Text.Encoding.ASCII.GetString(data, start, at - start);
        }
        Assert.Equal("P6", Token());
        int width = int.Parse(Token()), height = int.Parse(Token());
        Assert.Equal("255", Token());
        at++;
        Assert.Equal(width * height * 3, data.Length - at);
        return (width, height, data[at..]);
    }
}

/// <summary>The framebuffer on qemu-system-aarch64's ramfb.</summary>
[Collection("Qemu")]
public sealed class QemuFramebufferTests : FramebufferTests
{
    public QemuFramebufferTests() : base(BootMachine.Qemu) { }
}
