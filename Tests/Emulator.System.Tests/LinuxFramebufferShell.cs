using System.Text.Json.Nodes;

namespace Emulator.System.Tests;

/// <summary>
/// One boot of the default guest's Linux with <c>-device ramfb</c> and a QMP socket, its kernel messages on both
/// the framebuffer console and the serial line (<c>console=tty0 console=ttyAMA0</c>: the last one named is
/// /dev/console, so the shell stays on the serial line), shared by a class of display checks. The screen as it
/// was when the shell's prompt came is kept in <see cref="BootScreen"/>; after that, kernel messages go to the
/// serial line only (<c>dmesg -n 1</c>), so that what the checks write to the console stays where they wrote it.
/// </summary>
public sealed class LinuxFramebufferShell : IDisposable
{
    public const string Append = "console=tty0 console=ttyAMA0";

    /// <summary>The characters the console's font is learned for: what the checks read back.</summary>
    public const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789[]()/.:,!_=-+";

    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly TempFolder _folder = new();
    private readonly QmpClient? _qmp;
    private Dictionary<UInt128, char>? _font;
    private int _screendumps;

    public LinuxFramebufferShell()
    {
        TestEnvironment.RequireDefaultGuest();
        var socket = _folder.File("qmp.sock");
        Console = GuestConsole.Start("-kernel", TestEnvironment.DefaultKernel, "-initrd", TestEnvironment.DefaultInitramfs,
            "-append", Append, "-device", "ramfb", "-qmp", $"unix:{socket},server=on,wait=off");
        Console.FailOn = LinuxGuestCollection.KernelFailure;
        try
        {
            Console.WaitFor(GuestConsole.ShellPrompt, LinuxGuestCollection.BootTimeout);
            _qmp = QmpClient.Connect(socket, CommandTimeout, Console.Describe);
            _qmp.Execute("""{"execute":"qmp_capabilities"}""");
            BootScreen = Screendump();
            Console.Run("dmesg -n 1", CommandTimeout);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public GuestConsole Console { get; }

    /// <summary>The screen when the shell first prompted.</summary>
    public ConsoleScreen BootScreen { get; }

    /// <summary>
    /// The console font's glyphs for <see cref="Alphabet"/>, learned (once) by clearing the console and writing
    /// the alphabet on its first row; the cursor is then at the start of the second row.
    /// </summary>
    public IReadOnlyDictionary<UInt128, char> Font => _font ??= LearnFont();

    private Dictionary<UInt128, char> LearnFont()
    {
        Console.Run($"printf '\\033[H\\033[J%s\\n' '{Alphabet}' >/dev/tty1", CommandTimeout);
        return Screendump().LearnGlyphs(0, Alphabet);
    }

    /// <summary>A QMP request and its reply, which must not be an error.</summary>
    public JsonObject Execute(string request)
    {
        var reply = _qmp!.Execute(request)[^1];
        Assert.True(reply.ContainsKey("return"), Console.Describe($"QMP {request} failed: {reply.ToJsonString()}"));
        return reply;
    }

    /// <summary>Saves the screen with QMP's screendump (PPM, QEMU's default format) and reads it.</summary>
    public ConsoleScreen Screendump()
    {
        var path = _folder.File($"screen{++_screendumps}.ppm");
        Execute(new JsonObject { ["execute"] = "screendump", ["arguments"] = new JsonObject { ["filename"] = path } }.ToJsonString());
        return ConsoleScreen.Read(path);
    }

    public void Dispose()
    {
        _qmp?.Dispose();
        Console?.Dispose();
        _folder.Dispose();
    }
}
