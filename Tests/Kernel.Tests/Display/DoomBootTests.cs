using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Kernel.Tests.Display;

/// <summary>
/// DOOM (chocolate-doom with Userspace/doom's framebuffer and evdev platform layer, on Freedoom: Phase 1)
/// on the kernel, booted as <see cref="DisplayBootTests"/> boots it: root on the set-up's disk, ramfb at
/// 640x480, a virtio keyboard, driven through QMP. What the screen shows is checked pixel for pixel against
/// the pictures of the WAD on the disk, decoded here and drawn as the platform layer draws them (2x, centred,
/// black above and below).
/// </summary>
public abstract class DoomBootTests : IDisposable
{
    private const string WadOnDisk = "/usr/share/games/doom/freedoom1.wad";
    private static readonly TimeSpan ScreenTimeout = TimeSpan.FromSeconds(60);
    private readonly DisplayGuest _guest;
    private readonly QemuMachine _machine;
    private readonly Wad _wad;

    protected DoomBootTests(BootMachine machine)
    {
        _wad = ReadWad();
        _guest = new DisplayGuest(machine, "640x480", "virtio-keyboard-device");
        _machine = _guest.Machine;
    }

    public void Dispose() => _guest.Dispose();

    /// <summary>The WAD the disk's doom plays, taken off the set-up's disk image.</summary>
    private static Wad ReadWad()
    {
        string wad = Path.Combine(Path.GetTempPath(), $"freedoom1-{Environment.ProcessId}-{Guid.NewGuid():N}.wad");
        try
        {
            Debugfs(DiskRootTests.PristineDisk, $"dump {WadOnDisk} {wad}");
            Assert.True(File.Exists(wad), $"the disk has no {WadOnDisk}: run bash scripts/setup.sh");
            return Wad.Read(wad);
        }
        finally
        {
            File.Delete(wad);
        }
    }

    [Fact]
    public void Doom_shows_Freedooms_title_picture()
    {
        _machine.SendLine("doom");
        _machine.WaitFor(@"^I_InitGraphics: /dev/fb0 640x480, the 320x200 frame at 2x scale$", ScreenTimeout);
        Screendump screen = WaitForScreen("the title picture", new DoomFrame(_wad).Draw(_wad.Lump("TITLEPIC"), 0, 0));
        Assert.True(DoomFrame.BordersAreBlack(screen), "the screen outside DOOM's frame is not black");
    }

    [Fact]
    public void Escape_opens_the_menu_and_quitting_gives_the_shell_back()
    {
        int from = _machine.OutputLength;
        _machine.SendLine("doom; echo doom said $?");
        _machine.WaitFor(@"^Keyboard_Open: keys from /dev/input/event0$", ScreenTimeout, from);
        WaitForScreen("the title picture", new DoomFrame(_wad).Draw(_wad.Lump("TITLEPIC"), 0, 0));

        Type("esc");
        // The main menu's first items, drawn by M_Drawer from (97, 64) a line of 16 apart, over the title (whose
        // picture in Freedoom has the menu's logo, M_DOOM, at the place the menu draws it: no use here).
        var menu = new DoomFrame(_wad);
        string[] items = ["M_NGAME", "M_OPTION", "M_LOADG", "M_SAVEG"];
        for (int i = 0; i < items.Length; i++)
            menu.Draw(_wad.Lump(items[i]), 97, 64 + 16 * i);
        WaitForScreen("the main menu", menu);

        // Up from the first item wraps to the last, Quit Game; then the question, answered y.
        Type("up", "ret");
        Type("y");
        _machine.WaitFor(@"^doom said 0$", ScreenTimeout, from);
        // ENDOOM, shown on the terminal on the way out.
        Assert.Contains("freedoom.github.io", _machine.Output[from..]);

        // The keyboard is free again: what it types reaches the shell, and the serial console works too.
        from = _machine.OutputLength;
        Type("e", "c", "h", "o", "spc", "k", "e", "y", "s", "ret");
        _machine.WaitFor(@"^keys$", TimeSpan.FromSeconds(20), from);
        Assert.Equal("serial", _machine.RunShellCommand("echo serial").Trim());
    }

    [Fact]
    public void Timedemo_prints_its_rate_and_exits_0()
    {
        string output = _machine.RunShellCommand("doom -timedemo demo1 >/tmp/doom.log 2>&1; echo status $?; grep -a '^timed' /tmp/doom.log",
            TimeSpan.FromSeconds(240));
        Assert.Contains("status 0", output);
        Match timed = Regex.Match(output, @"^timed (\d+) gametics in (\d+) realtics \((\d+\.\d+) fps\)\r?$", RegexOptions.Multiline);
        Assert.True(timed.Success, $"no timedemo line in:\n{output}");
        Assert.True(int.Parse(timed.Groups[1].Value) > 1000, $"demo1 was cut short: {timed.Value}");
    }

    /// <summary>Takes screendumps until every pixel <paramref name="frame"/> draws is on the screen, or fails with the closest one.</summary>
    private Screendump WaitForScreen(string what, DoomFrame frame)
    {
        var clock = Stopwatch.StartNew();
        string last = "";
        while (true)
        {
            Screendump screen = _guest.Screenshot();
            Assert.Equal((640, 480), (screen.Width, screen.Height));
            var (compared, wrong, first) = frame.CompareWith(screen);
            if (wrong == 0)
            {
                Assert.True(compared > 1000, $"{what} drew only {compared} pixels");
                return screen;
            }
            last = $"{wrong} of {compared} pixels differ; the first: {first}";
            if (clock.Elapsed > ScreenTimeout)
                Assert.Fail($"the screen never showed {what}: {last}\nconsole:\n{_machine.Output[^Math.Min(3000, _machine.OutputLength)..]}");
            Thread.Sleep(200);
        }
    }

    // DOOM reads its keyboard once a tic: keys closer than that would still arrive, in order, but a person's are not.
    private void Type(params string[] keys) => _guest.Type(TimeSpan.FromMilliseconds(100), keys);

    private static void Debugfs(string image, string request)
    {
        var start = new ProcessStartInfo("debugfs") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-R", request, image })
            start.ArgumentList.Add(a);
        using Process p = Process.Start(start) ?? throw new InvalidOperationException("cannot run debugfs");
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> errors = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "debugfs did not finish");
        Assert.True(p.ExitCode == 0, $"debugfs -R \"{request}\" failed:\n{output.Result}{errors.Result}");
    }
}

/// <summary>The DOOM tests on qemu-system-aarch64.</summary>
[Collection("Qemu")]
public sealed class QemuDoomBootTests : DoomBootTests
{
    public QemuDoomBootTests() : base(BootMachine.Qemu) { }
}

/// <summary>The DOOM tests on our emulator: the same pictures, pixel for pixel, as on QEMU.</summary>
[Collection("emulator")]
public sealed class EmulatorDoomBootTests : DoomBootTests
{
    public EmulatorDoomBootTests() : base(BootMachine.Emulator) { }
}
