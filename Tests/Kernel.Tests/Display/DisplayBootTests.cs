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
    private readonly DisplayGuest _guest;
    private readonly QemuMachine _machine;

    protected DisplayBootTests(BootMachine machine)
    {
        _guest = new DisplayGuest(machine, "320x240", "virtio-keyboard-device", "virtio-tablet-device");
        _machine = _guest.Machine;
    }

    public void Dispose() => _guest.Dispose();

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
        Screendump screen = _guest.Screenshot();
        Assert.Equal((320, 240), (screen.Width, screen.Height));
        int wrong = 0;
        string first = "";
        for (int y = 0; y < screen.Height; y++)
            for (int x = 0; x < screen.Width; x++)
            {
                (byte R, byte G, byte B) expected = ((byte)(x * 3 + y), (byte)(y * 5), (byte)(x ^ y));
                if (screen.Pixel(x, y) != expected && wrong++ == 0)
                    first = $"({x}, {y}) is {screen.Pixel(x, y)}, not {expected}";
            }
        Assert.True(wrong == 0, $"{wrong} pixels differ from the pattern; the first: {first}");

        // KD_TEXT gives the screen back to the console, which draws its text again.
        Assert.Contains("fbtest: console mode text", _machine.RunShellCommand("fbtest mode text"));
        _guest.WaitForScreenLine("fbtest: console mode text");
    }

    [Fact]
    public void The_console_is_drawn_on_the_screen()
    {
        // Boot messages, then what the shell prints, in the console font at 40x15 cells.
        _machine.SendLine("echo on-the-screen");
        string[] screen = _guest.WaitForScreenLine("on-the-screen");
        // The command as typed. Typed ahead of the shell, the tty echoes it at once and the line editor draws it again
        // after the prompt, so it may be split where the 40-column line wraps: look in the screen's text run together.
        Assert.True(string.Concat(screen).Contains("echo on-the-screen", StringComparison.Ordinal), string.Join('\n', screen));
        // vi's full-screen drawing: the file, its empty lines and, drawn last, its status line.
        _machine.SendLine("vi /etc/hostname");
        screen = _guest.WaitForScreenLine("- /etc/hostname 1/1 100%");
        Assert.True(screen[0] == "virt" && screen[1] == "~" && screen[^2] == "~", string.Join('\n', screen));
        _machine.SendRaw("\u001b");
        Thread.Sleep(500); // vi reads an ESC followed at once by more as a key's escape sequence
        _machine.SendRaw(":q!\r");
        _guest.WaitForScreenLine("virt:/#", afterTheLast: "~");
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

    private void Type(params string[] keys) => _guest.Type(TimeSpan.Zero, keys);

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
