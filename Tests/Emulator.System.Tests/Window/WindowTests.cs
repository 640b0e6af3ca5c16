using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Emulator.Window;

namespace Emulator.System.Tests.Window;

/// <summary>
/// -display sdl on a virtual X server (Xvfb), checked as a person at the screen would: the window's own pixels
/// (xwd), keys typed into it through the X server's keyboard (xdotool), its border dragged, its close button.
/// Xvfb, xdotool and xwd come from scripts/setup.sh; without them the tests fail saying so.
/// </summary>
public sealed partial class WindowTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();
    private readonly XvfbServer _x = new();

    public void Dispose()
    {
        _x.Dispose();
        _folder.Dispose();
    }

    private GuestConsole StartRamfbGuest(IReadOnlyDictionary<string, string?> environment, params string[] options)
    {
        var elf = BareMetalGuest.Build(_folder, "ramfb", RamfbGuest.Source);
        var console = GuestConsole.StartWith(environment, ["-kernel", elf, "-device", "ramfb", .. options]);
        console.WaitFor("waiting\n", Timeout);
        return console;
    }

    private static bool ShowsTheGuestsPicture(XwdImage image) =>
        image.Width == RamfbGuest.Width && image.Height == RamfbGuest.Height && WrongPixels(image) == 0;

    private static int WrongPixels(XwdImage image)
    {
        var wrong = 0;
        for (var y = 0; y < RamfbGuest.Height; y++)
        {
            for (var x = 0; x < RamfbGuest.Width; x++)
            {
                wrong += image.Pixel(x, y) == RamfbGuest.Pixel(x, y) ? 0 : 1;
            }
        }

        return wrong;
    }

    private static bool IsBlack(XwdImage image, int left, int top, int right, int bottom)
    {
        for (var y = top; y < bottom; y++)
        {
            for (var x = left; x < right; x++)
            {
                if (image.Pixel(x, y) != (0, 0, 0))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [Fact]
    public void TheWindowIsBlackUntilTheGuestSetsUpRamfb_ThenShowsItsPictureExactly()
    {
        using var console = StartRamfbGuest(_x.Environment, "-display", "sdl");
        var window = _x.WaitForWindow(DisplayWindow.Title, Timeout, console.Describe);
        _x.WaitForPicture(window, image => image.Width == 640 && image.Height == 480 && IsBlack(image, 0, 0, 640, 480), Timeout,
            "a black 640x480 picture before the guest set up ramfb");

        console.Send((byte)'g');
        console.WaitFor("ramfb ready\n", Timeout);
        // The window takes the picture's size and shows every pixel as the guest wrote it.
        _x.WaitForPicture(window, ShowsTheGuestsPicture, Timeout, "the guest's 64x48 picture");
    }

    [Fact]
    public void WithoutOpenGL_SdlsSoftwareRendererShowsThePictureExactly()
    {
        // SDL cannot load an OpenGL library from here: no OpenGL window can be made, as on a host without OpenGL.
        var environment = new Dictionary<string, string?>(_x.Environment)
        {
            ["SDL_OPENGL_LIBRARY"] = "/nonexistent/libGL.so.1",
            ["VIRT_EMULATOR_TRACE"] = "1",
        };
        using var console = StartRamfbGuest(environment, "-display", "sdl");
        var window = _x.WaitForWindow(DisplayWindow.Title, Timeout, console.Describe);
        Assert.Contains("emulator: window: SDL's software renderer (x11; no OpenGL window", console.Errors);
        console.Send((byte)'g');
        console.WaitFor("ramfb ready\n", Timeout);
        _x.WaitForPicture(window, ShowsTheGuestsPicture, Timeout, "the guest's 64x48 picture");
    }

    [Fact]
    public void WithOpenGL_TheWindowSaysWhichRendererDraws()
    {
        var environment = new Dictionary<string, string?>(_x.Environment) { ["VIRT_EMULATOR_TRACE"] = "1" };
        using var console = StartRamfbGuest(environment, "-display", "sdl");
        _x.WaitForWindow(DisplayWindow.Title, Timeout, console.Describe);
        Assert.Matches(@"emulator: window: OpenGL \S+ .*on .*\(x11\)\n", console.Errors);
    }

    [Fact]
    public void AResizedWindowKeepsThePicturesAspectRatio_WithBlackBars()
    {
        using var console = StartRamfbGuest(_x.Environment, "-display", "sdl");
        var window = _x.WaitForWindow(DisplayWindow.Title, Timeout, console.Describe);
        console.Send((byte)'g');
        console.WaitFor("ramfb ready\n", Timeout);
        _x.WaitForPicture(window, ShowsTheGuestsPicture, Timeout, "the guest's 64x48 picture");

        // 256x96 is wider than 4:3: the picture is drawn 128x96 (twice its size) in the middle, bars left and right.
        _x.Resize(window, 256, 96);
        var box = Letterbox.Fit(RamfbGuest.Width, RamfbGuest.Height, 256, 96);
        Assert.Equal(new Letterbox(64, 0, 128, 96), box);
        var image = _x.WaitForPicture(window, image => image.Width == 256 && image.Height == 96 && image.Pixel(190, 94).R > 200, Timeout,
            "the picture scaled into a 256x96 window");
        Assert.True(IsBlack(image, 0, 0, box.X, 96), "the left bar is black");
        Assert.True(IsBlack(image, box.X + box.Width, 0, 256, 96), "the right bar is black");
        // Across the picture, red grows with x (4 a guest pixel, 2 a window pixel) and green with y (5 a guest pixel).
        for (var x = box.X + 2; x < box.X + box.Width - 2; x += 7)
        {
            var expected = (x - box.X) * 2;
            Assert.InRange(image.Pixel(x, 50).R, expected - 6, expected + 6);
        }

        for (var y = 2; y < 94; y += 7)
        {
            var expected = y * 5 / 2;
            Assert.InRange(image.Pixel(box.X + 64, y).G, expected - 7, expected + 7);
        }
    }

    [Fact]
    public void ClosingTheWindowQuitsTheEmulator_AsQemusDoes()
    {
        var socket = _folder.File("qmp.sock");
        using var console = StartRamfbGuest(_x.Environment, "-display", "sdl", "-qmp", $"unix:{socket},server=on,wait=off");
        using var qmp = QmpClient.Connect(socket, Timeout, console.Describe);
        qmp.Execute("""{"execute":"qmp_capabilities"}""");
        var window = _x.WaitForWindow(DisplayWindow.Title, Timeout, console.Describe);

        _x.Close(window);
        var shutdown = qmp.Receive();
        Assert.Equal("SHUTDOWN", (string?)shutdown["event"]);
        Assert.Equal("""{"guest":false,"reason":"host-ui"}""", shutdown["data"]!.ToJsonString());
        Assert.Equal(0, console.WaitForExit(Timeout));
        Assert.Empty(_x.Windows(DisplayWindow.Title));
    }

    [Fact]
    public void TheDefaultDisplay_WithADisplayServerAndRamfb_IsAWindow()
    {
        using var console = StartRamfbGuest(_x.Environment);
        var window = _x.WaitForWindow(DisplayWindow.Title, Timeout, console.Describe);
        console.Send((byte)'g');
        _x.WaitForPicture(window, ShowsTheGuestsPicture, Timeout, "the guest's 64x48 picture");
    }

    [Theory]
    [InlineData("-display", "none")]
    [InlineData("-nographic", null)]
    public void NoneAndNographic_OpenNoWindow(string option, string? value)
    {
        using var console = StartRamfbGuest(_x.Environment, value is null ? [option] : [option, value]);
        console.Send((byte)'g');
        console.WaitFor("ramfb ready\n", Timeout);
        Thread.Sleep(1000);
        Assert.Empty(_x.Windows(DisplayWindow.Title));
    }

    [Fact]
    public void TheDefaultDisplay_WithoutRamfb_IsNoWindow()
    {
        var elf = BareMetalGuest.Build(_folder, "idle", "main:\n    ldr x1, =up\n    bl puts\n0:  wfi\n    b 0b\n    .ltorg\nup: .asciz \"up\\n\"\n");
        using var console = GuestConsole.StartWith(_x.Environment, "-kernel", elf);
        console.WaitFor("up\n", Timeout);
        Thread.Sleep(1000);
        Assert.Empty(_x.Windows(DisplayWindow.Title));
        Assert.Equal("", console.Errors);
    }

    [Fact]
    public void DisplaySdl_WhenTheDisplayServerIsNotThere_IsRefusedInOneLine()
    {
        var elf = BareMetalGuest.Build(_folder, "tiny", "main:\n    bl system_off\n");
        using var console = GuestConsole.StartWith(new Dictionary<string, string?> { ["DISPLAY"] = ":32767" }, "-kernel", elf, "-display", "sdl");
        console.CloseInput();
        Assert.Equal(1, console.WaitForExit(Timeout));
        Assert.Equal("", console.Output);
        Assert.Matches(@"^emulator: -display sdl: cannot open a window on X display :32767 \(SDL: [^\n]+\)\n$", console.Errors);
    }

    /// <summary>
    /// The managed kernel with its console on ramfb and a virtio keyboard: what is typed into the window (through the
    /// X server's keyboard, as a person types) reaches the shell, and the window shows what the machine shows.
    /// </summary>
    /// <summary>The managed kernel booted to its shell from a copy of the root disk, its console on ramfb at 640x400, in a window.</summary>
    private GuestConsole StartManagedKernel(string socket, params string[] devices)
    {
        var disk = _folder.File("root.ext2");
        DefaultGuest.SparseCopy(TestEnvironment.RootDiskImage, disk);
        var options = new List<string>
        {
            "-kernel", DefaultGuest.ManagedKernel, "-append", "console=ttyAMA0 root=/dev/vda rw video=640x400",
            "-drive", $"file={disk},format=raw,if=none,id=root", "-device", "virtio-blk-device,drive=root",
            "-device", "ramfb", "-display", "sdl", "-qmp", $"unix:{socket},server=on,wait=off",
        };
        foreach (var device in devices)
        {
            options.AddRange(["-device", device]);
        }

        var console = GuestConsole.StartWith(_x.Environment, [.. options]);
        console.WaitFor("Its recipe is disk-images/", TimeSpan.FromSeconds(120));
        console.WaitFor("virt:/# ", Timeout);
        return console;
    }

    [Fact]
    public void KeysTypedInTheWindowReachTheManagedKernelsShell_AndTheWindowShowsItsScreen()
    {
        var socket = _folder.File("qmp.sock");
        using var console = StartManagedKernel(socket, "virtio-keyboard-device");
        var window = _x.WaitForWindow(DisplayWindow.Title, Timeout, console.Describe);

        _x.Type(window, "echo typed-$((6*7)) in the window");
        _x.Key(window, "Return");
        console.WaitFor("typed-42 in the window", Timeout);

        // The window's pixels are the machine's screen (QMP's screendump), every one of them.
        using var qmp = QmpClient.Connect(socket, Timeout, console.Describe);
        qmp.Execute("""{"execute":"qmp_capabilities"}""");
        var dump = _folder.File("screen.ppm");
        var mismatch = "";
        _x.WaitForPicture(window, image =>
        {
            qmp.Execute(new JsonObject { ["execute"] = "screendump", ["arguments"] = new JsonObject { ["filename"] = dump } }.ToJsonString());
            mismatch = Compare(image, File.ReadAllBytes(dump));
            return mismatch.Length == 0;
        }, Timeout, "the machine's screen");
        Assert.Equal("", mismatch);
    }

    [Fact]
    public void ThePointerOverTheWindowIsTheTabletsAbsolutePosition_WithItsButtons()
    {
        using var console = StartManagedKernel(_folder.File("qmp.sock"), "virtio-tablet-device");
        var window = _x.WaitForWindow(DisplayWindow.Title, Timeout, console.Describe);
        _x.WaitForPicture(window, image => image.Width == 640 && image.Height == 400, Timeout, "the 640x400 console");
        console.Type("evdump /dev/input/event0 2");
        console.WaitFor("evdump: waiting for 2 key events", Timeout);

        // (320, 100) of 640x400: x 320 * 0x7fff / 640, y 100 * 0x7fff / 400; then the left button (BTN_LEFT 272).
        _x.Run("xdotool", "xdotool", "mousemove", "--window", window, "320", "100");
        Thread.Sleep(300);
        _x.Run("xdotool", "xdotool", "click", "1");
        var output = console.WaitFor("evdump: 0 keys down", Timeout);
        var events = string.Join("\n", EventLine().Matches(output).Select(m => m.Value));
        Assert.Contains("event 3 0 16383\nevent 3 1 8191\nevent 0 0 0\nevent 1 272 1\nevent 0 0 0", events);
        Assert.EndsWith("event 1 272 0\nevent 0 0 0", events);
    }

    [GeneratedRegex(@"(?m)^event \d+ \d+ -?\d+(?=\r?$)")]
    private static partial Regex EventLine();

    /// <summary>"" when the window shows exactly the PPM picture; else what differs.</summary>
    private static string Compare(XwdImage image, byte[] ppm)
    {
        var header = PpmHeader().Match(Encoding.ASCII.GetString(ppm, 0, Math.Min(ppm.Length, 32)));
        Assert.True(header.Success, "the screendump is not a binary PPM");
        var width = int.Parse(header.Groups[1].Value, global::System.Globalization.CultureInfo.InvariantCulture);
        var height = int.Parse(header.Groups[2].Value, global::System.Globalization.CultureInfo.InvariantCulture);
        if (image.Width != width || image.Height != height)
        {
            return $"the window is {image.Width}x{image.Height}, the screen {width}x{height}";
        }

        var wrong = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = header.Length + (((y * width) + x) * 3);
                wrong += image.Pixel(x, y) == (ppm[at], ppm[at + 1], ppm[at + 2]) ? 0 : 1;
            }
        }

        return wrong == 0 ? "" : $"{wrong} pixels differ";
    }

    [GeneratedRegex(@"^P6\n(\d+) (\d+)\n255\n")]
    private static partial Regex PpmHeader();
}
