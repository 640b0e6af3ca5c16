using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kernel.Tests.Display;

/// <summary>
/// The kernel's display and input devices, booted as `dotnet run` boots it (root on the set-up's disk) with
/// ramfb, a virtio keyboard and a virtio tablet, driven through QMP as a person at the window would. The
/// kernel configures ramfb through fw_cfg's DMA interface at the size <c>video=</c> asks, /dev/fb0 has
/// Linux's fbdev interface, and what a program draws through mmap is what the machine shows (a QMP
/// screendump has every pixel of the pattern <c>fbtest draw</c> writes). The console's text is drawn on
/// the screen (read back from screendumps with the console font) unless a program asked for KD_GRAPHICS. Keys sent with QMP's send-key
/// reach /dev/input/event0 as Linux's evdev gives them, and the shell as typed characters unless a
/// program grabbed the keyboard.
/// </summary>
public abstract class DisplayBootTests : IDisposable
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"fb-{Environment.ProcessId}-{Guid.NewGuid():N}");
    private readonly QemuMachine _machine;
    private readonly QmpClient _qmp;

    protected DisplayBootTests(BootMachine machine)
    {
        Directory.CreateDirectory(_folder);
        string disk = Path.Combine(_folder, "root.ext2");
        File.Copy(DiskRootTests.PristineDisk, disk);
        string socket = Path.Combine(_folder, "qmp.sock");
        _machine = new QemuMachine(machine, "console=ttyAMA0 root=/dev/vda rw video=320x240", "512M",
            "-device", "ramfb", "-device", "virtio-keyboard-device", "-device", "virtio-tablet-device", "-qmp", $"unix:{socket},server=on,wait=off",
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
    public void What_a_program_draws_through_mmap_is_on_the_screen_in_graphics_mode()
    {
        // KD_GRAPHICS first, as a program that owns the screen does: the text console then draws nothing,
        // not even the prompt that follows.
        string output = _machine.RunShellCommand("fbtest mode graphics && fbtest draw; echo status $?");
        Assert.Contains("fbtest: console mode graphics", output);
        Assert.Contains("fbtest: drew 320x240", output);
        Assert.Contains("status 0", output);
        Thread.Sleep(200); // a few ticks, in which a text console that still drew would have drawn the prompt
        var (width, height, rgb) = ReadPpm(Screendump());
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

        // KD_TEXT gives the screen back to the console, which draws its text again.
        Assert.Contains("fbtest: console mode text", _machine.RunShellCommand("fbtest mode text"));
        WaitForScreenLine("fbtest: console mode text");
    }

    [Fact]
    public void The_console_is_drawn_on_the_screen()
    {
        // Boot messages, then what the shell prints, in the console font at 40x15 cells.
        _machine.SendLine("echo on-the-screen");
        string[] screen = WaitForScreenLine("on-the-screen");
        Assert.True(screen.Any(line => line.StartsWith("virt:/# echo on-the-screen", StringComparison.Ordinal)), string.Join('\n', screen));
        // vi's full-screen drawing: its empty lines and its status line.
        _machine.SendLine("vi /etc/hostname");
        screen = WaitForScreenLine("~");
        Assert.Equal("virt", screen[0]);
        Assert.True(screen.Any(line => line.StartsWith("- /etc/hostname 1/1 100%", StringComparison.Ordinal)), string.Join('\n', screen));
        _machine.SendRaw("\u001b");
        Thread.Sleep(500); // vi reads an ESC followed at once by more as a key's escape sequence
        _machine.SendRaw(":q!\r");
        WaitForScreenLine("virt:/#", afterTheLast: "~");
    }

    private string Screendump()
    {
        string shot = Path.Combine(_folder, $"shot-{Guid.NewGuid():N}.ppm");
        _qmp.Execute("screendump", new JsonObject { ["filename"] = shot });
        return shot;
    }

    /// <summary>
    /// Takes screendumps until one shows a line starting with <paramref name="text"/> (below the last line
    /// starting with <paramref name="afterTheLast"/>, when given); the screen's lines.
    /// </summary>
    private string[] WaitForScreenLine(string text, string? afterTheLast = null)
    {
        string[] lines = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; Thread.Sleep(100))
        {
            lines = ScreenText(Screendump());
            int from = afterTheLast == null ? 0 : Array.FindLastIndex(lines, l => l.StartsWith(afterTheLast, StringComparison.Ordinal)) + 1;
            if (lines.Skip(from).Any(l => l.StartsWith(text, StringComparison.Ordinal)))
                return lines;
        }
        Assert.Fail($"no line \"{text}\" on the screen:\n{string.Join('\n', lines)}");
        return lines;
    }

    /// <summary>Reads the console's text off a screendump: each 8x16 cell matched against the console font's glyphs ('?': no match).</summary>
    private static string[] ScreenText(string ppm)
    {
        var font = Kernel.Logic.Display.PsfFont.Parse(File.ReadAllBytes(PsfFontTests.ConsoleFontPath))!;
        var glyphs = new Dictionary<string, char>();
        for (int c = 0x7E; c >= 0x20; c--)
            glyphs[Convert.ToHexString(font.Glyph((byte)c))] = (char)c;
        var (width, height, rgb) = ReadPpm(ppm);
        var lines = new string[height / 16];
        var cell = new byte[16];
        for (int row = 0; row < lines.Length; row++)
        {
            var line = new System.Text.StringBuilder();
            for (int column = 0; column < width / 8; column++)
            {
                for (int y = 0; y < 16; y++)
                {
                    cell[y] = 0;
                    for (int x = 0; x < 8; x++)
                    {
                        int i = ((row * 16 + y) * width + column * 8 + x) * 3;
                        if (rgb[i] + rgb[i + 1] + rgb[i + 2] > 0)
                            cell[y] |= (byte)(0x80 >> x);
                    }
                }
                // The cursor's cell is drawn inverted.
                if (!glyphs.TryGetValue(Convert.ToHexString(cell), out char c) && !glyphs.TryGetValue(Convert.ToHexString(cell.Select(b => (byte)~b).ToArray()), out c))
                    c = '?';
                line.Append(c);
            }
            lines[row] = line.ToString().TrimEnd();
        }
        return lines;
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

    private void Type(params string[] keys)
    {
        foreach (string key in keys)
            _qmp.Execute("send-key", new JsonObject { ["keys"] = new JsonArray(key.Split('+').Select(k => (JsonNode)new JsonObject { ["type"] = "qcode", ["data"] = k }).ToArray()) });
    }

    [Fact]
    public void The_keyboard_and_tablet_are_evdev_devices()
    {
        // In device-tree order, as Linux probes them: the keyboard, given first, has the higher address.
        string output = _machine.RunShellCommand("ls -l /dev/input; evdump /dev/input/event1; evdump /dev/input/event0");
        Assert.Matches(new Regex(@"^crw-rw----\s+1 root\s+root\s+13,\s+64 .* event0$", RegexOptions.Multiline), output);
        Assert.Contains("evdump: version 0x10001, name \"QEMU Virtio Keyboard\" (21 bytes), phys \"virtio2/input0\", bus 0x6 vendor 0x627 product 0x1 version 0x1", output);
        Assert.Contains("evdump: types SYN KEY LED (8 bytes), keys 96 bytes: KEY_A 1, KEY_ENTER 1, BTN_LEFT 0", output);
        Assert.Contains("evdump: version 0x10001, name \"QEMU Virtio Tablet\" (19 bytes)", output);
        Assert.Contains("evdump: types SYN KEY REL ABS (8 bytes), keys 96 bytes: KEY_A 0, KEY_ENTER 0, BTN_LEFT 1", output);
    }

    [Fact]
    public void Keys_typed_on_the_keyboard_reach_the_shell()
    {
        int from = _machine.OutputLength;
        Type("e", "c", "h", "o", "spc", "shift+h", "i", "shift+1", "spc", "shift+4", "shift+9", "shift+9", "2", "shift+equal", "3", "shift+0", "shift+0", "ret");
        _machine.WaitFor(@"^Hi! 5$", TimeSpan.FromSeconds(20), from);
    }

    [Fact]
    public void A_program_that_grabs_the_keyboard_reads_its_events_and_the_shell_does_not()
    {
        int from = _machine.OutputLength;
        _machine.SendLine("evdump /dev/input/event1 4 grab; echo status $?");
        _machine.WaitFor(@"^evdump: waiting for 4 key events$", TimeSpan.FromSeconds(20), from);
        Type("a", "shift+b");
        _machine.WaitFor(@"^status 0$", TimeSpan.FromSeconds(20), from);
        string events = string.Join("\n", Regex.Matches(_machine.Output[from..], @"^event \d+ \d+ -?\d+$", RegexOptions.Multiline).Select(m => m.Value));
        // KEY_A down and up, KEY_LEFTSHIFT and KEY_B down, each packet closed by a SYN_REPORT.
        Assert.Equal("event 1 30 1\nevent 0 0 0\nevent 1 30 0\nevent 0 0 0\nevent 1 42 1\nevent 0 0 0\nevent 1 48 1\nevent 0 0 0", events);
        // Nothing reached the terminal: the next command line is exactly what is typed.
        Assert.Equal("clean", _machine.RunShellCommand("echo clean").Trim());
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

/// <summary>The display tests on qemu-system-aarch64.</summary>
[Collection("Qemu")]
public sealed class QemuDisplayBootTests : DisplayBootTests
{
    public QemuDisplayBootTests() : base(BootMachine.Qemu) { }
}

/// <summary>The display tests on our emulator (ramfb, virtio-keyboard-device and virtio-tablet-device, QMP's send-key).</summary>
[Collection("emulator")]
public sealed class EmulatorDisplayBootTests : DisplayBootTests
{
    public EmulatorDisplayBootTests() : base(BootMachine.Emulator) { }
}
