using System.Diagnostics;
using System.Globalization;

namespace Emulator.System.Tests.Window;

/// <summary>
/// A virtual X server (Xvfb) for one test, on a display number it picks itself (-displayfd), with the X tools the
/// window tests drive it with: xdotool (find, focus, resize windows; type as a keyboard does) and xwd (a window's
/// pixels). Missing tools fail the test naming their Debian package; scripts/setup.sh installs them.
/// </summary>
public sealed class XvfbServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;

    public XvfbServer(int width = 1280, int height = 1024)
    {
        var xvfb = TestEnvironment.RequireTool("Xvfb", "xvfb");
        var start = new ProcessStartInfo(xvfb)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-displayfd", "1", "-screen", "0", $"{width}x{height}x24", "-nolisten", "tcp"])
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start Xvfb");
        var errors = _process.StandardError.ReadToEndAsync();
        // Xvfb writes the display number it took once it accepts clients.
        var line = _process.StandardOutput.ReadLineAsync();
        var number = -1;
        if (!line.Wait(StartTimeout) || !int.TryParse(line.Result, NumberStyles.None, CultureInfo.InvariantCulture, out number))
        {
            _process.Kill();
            _process.WaitForExit();
            Assert.Fail($"Xvfb did not start within {StartTimeout.TotalSeconds} s: {errors.Result}");
        }

        Display = $":{number}";
    }

    /// <summary>The X display name, for $DISPLAY.</summary>
    public string Display { get; }

    /// <summary>The environment a program needs to use this server.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?> { ["DISPLAY"] = Display };

    /// <summary>Runs an X tool on this display; its output. Fails the test if the tool fails.</summary>
    public string Run(string tool, string package, params string[] arguments) =>
        global::System.Text.Encoding.UTF8.GetString(RunForBytes(tool, package, arguments));

    private byte[] RunForBytes(string tool, string package, params string[] arguments)
    {
        var start = new ProcessStartInfo(TestEnvironment.RequireTool(tool, package))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DISPLAY"] = Display;
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(ToolTimeout))
        {
            process.Kill();
            Assert.Fail($"{tool} {string.Join(' ', arguments)} did not finish within {ToolTimeout.TotalSeconds} s");
        }

        copy.Wait(ToolTimeout);
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {errors.Result}");
        return output.ToArray();
    }

    /// <summary>The windows whose name is exactly <paramref name="title"/>, now.</summary>
    public IReadOnlyList<string> Windows(string title)
    {
        var xdotool = TestEnvironment.RequireTool("xdotool", "xdotool");
        var start = new ProcessStartInfo(xdotool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DISPLAY"] = Display;
        foreach (var argument in (string[])["search", "--onlyvisible", "--name", $"^{title}$"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start xdotool");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Waits for the one window named <paramref name="title"/>; its X window id.</summary>
    public string WaitForWindow(string title, TimeSpan timeout, Func<string, string> describe)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var windows = Windows(title);
            if (windows.Count == 1)
            {
                return windows[0];
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail(describe($"{windows.Count} windows named '{title}' after {timeout.TotalSeconds} s, not one"));
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>A window's pixels as the X server has them (xwd), and its size.</summary>
    public XwdImage Screenshot(string window) =>
        XwdImage.Parse(RunForBytes("xwd", "x11-apps", "-silent", "-id", window));

    /// <summary>Takes screenshots until <paramref name="done"/> holds for one; that screenshot.</summary>
    public XwdImage WaitForPicture(string window, Func<XwdImage, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var image = Screenshot(window);
            if (done(image))
            {
                return image;
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"the window never showed {what} within {timeout.TotalSeconds} s (last: {image.Width}x{image.Height})");
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>Gives the window the keyboard focus, then types <paramref name="text"/> through the X server's keyboard (XTEST).</summary>
    public void Type(string window, string text)
    {
        Run("xdotool", "xdotool", "windowfocus", "--sync", window);
        Run("xdotool", "xdotool", "type", "--delay", "40", text);
    }

    /// <summary>Presses and releases keys (X keysym names such as Return) in the focused window.</summary>
    public void Key(string window, params string[] keys)
    {
        Run("xdotool", "xdotool", "windowfocus", "--sync", window);
        Run("xdotool", "xdotool", ["key", "--delay", "40", .. keys]);
    }

    /// <summary>Resizes a window as a user dragging its border would.</summary>
    public void Resize(string window, int width, int height) =>
        Run("xdotool", "xdotool", "windowsize", "--sync", window, width.ToString(CultureInfo.InvariantCulture), height.ToString(CultureInfo.InvariantCulture));

    /// <summary>Asks a window to close as a window manager's close button does (WM_DELETE_WINDOW).</summary>
    public void Close(string window) => X11Client.SendDeleteWindow(Display, ulong.Parse(window, CultureInfo.InvariantCulture));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit();
        _process.Dispose();
    }
}
