using System.Text;
using System.Text.Json.Nodes;
using Kernel.Logic.Display;

namespace Kernel.Tests.Display;

/// <summary>
/// The kernel booted with a screen, as `dotnet run` boots it (root on a copy of the set-up's disk) plus
/// <c>-device ramfb</c> at the size <c>video=</c> gives, the given devices and a QMP socket: what a person at
/// the window sees (screendumps, and the console's text read off them) and types (QMP send-key).
/// </summary>
public sealed class DisplayGuest : IDisposable
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);
    private static readonly Lazy<Dictionary<string, char>> Glyphs = new(ConsoleGlyphs);
    private int _shots;

    public DisplayGuest(BootMachine machine, string video, params string[] devices)
    {
        Folder = Path.Combine(Path.GetTempPath(), $"display-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        string disk = Path.Combine(Folder, "root.ext2");
        File.Copy(DiskRootTests.PristineDisk, disk);
        string socket = Path.Combine(Folder, "qmp.sock");
        var options = new List<string> { "-device", "ramfb" };
        foreach (string device in devices)
            options.AddRange(["-device", device]);
        options.AddRange(["-qmp", $"unix:{socket},server=on,wait=off",
            "-drive", $"file={disk},format=raw,if=none,id=root", "-device", "virtio-blk-device,drive=root"]);
        Machine = new QemuMachine(machine, $"console=ttyAMA0 root=/dev/vda rw video={video}", "512M", options.ToArray());
        Machine.WaitFor(@"^Its recipe is disk-images/", BootTimeout);
        Qmp = QmpClient.Connect(socket, TimeSpan.FromSeconds(10));
    }

    /// <summary>A private folder, deleted with the guest.</summary>
    public string Folder { get; }
    public QemuMachine Machine { get; }
    public QmpClient Qmp { get; }

    public void Dispose()
    {
        Qmp.Dispose();
        Machine.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>A QMP screendump of the screen as it is now.</summary>
    public Screendump Screenshot()
    {
        string path = Path.Combine(Folder, $"shot{_shots++}.ppm");
        Qmp.Execute("screendump", new JsonObject { ["filename"] = path });
        Screendump screen = Screendump.Read(path);
        File.Delete(path);
        return screen;
    }

    /// <summary>Presses and releases each key (QEMU's qcodes; held together with '+': "shift+a"), waiting <paramref name="pause"/> after each.</summary>
    public void Type(TimeSpan pause, params string[] keys)
    {
        foreach (string key in keys)
        {
            Qmp.Execute("send-key", new JsonObject { ["keys"] = new JsonArray(key.Split('+').Select(k => (JsonNode)new JsonObject { ["type"] = "qcode", ["data"] = k }).ToArray()) });
            Thread.Sleep(pause);
        }
    }

    /// <summary>
    /// Takes screendumps until one shows a line starting with <paramref name="text"/> (below the last line
    /// starting with <paramref name="afterTheLast"/>, when given); the screen's lines.
    /// </summary>
    public string[] WaitForScreenLine(string text, string? afterTheLast = null)
    {
        string[] lines = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; Thread.Sleep(100))
        {
            lines = ScreenText(Screenshot());
            int from = afterTheLast == null ? 0 : Array.FindLastIndex(lines, l => l.StartsWith(afterTheLast, StringComparison.Ordinal)) + 1;
            if (lines.Skip(from).Any(l => l.StartsWith(text, StringComparison.Ordinal)))
                return lines;
        }
        Assert.Fail($"no line \"{text}\" on the screen:\n{string.Join('\n', lines)}");
        return lines;
    }

    /// <summary>
    /// Reads the console's text off a screendump: each 8x16 cell matched against the console font's glyphs
    /// (the cursor's cell is drawn inverted; '?': no match).
    /// </summary>
    public static string[] ScreenText(Screendump screen)
    {
        Dictionary<string, char> glyphs = Glyphs.Value;
        var lines = new string[screen.Height / 16];
        var cell = new byte[16];
        for (int row = 0; row < lines.Length; row++)
        {
            var line = new StringBuilder();
            for (int column = 0; column < screen.Width / 8; column++)
            {
                for (int y = 0; y < 16; y++)
                {
                    cell[y] = 0;
                    for (int x = 0; x < 8; x++)
                    {
                        var (r, g, b) = screen.Pixel(column * 8 + x, row * 16 + y);
                        if (r + g + b > 0)
                            cell[y] |= (byte)(0x80 >> x);
                    }
                }
                if (!glyphs.TryGetValue(Convert.ToHexString(cell), out char c) && !glyphs.TryGetValue(Convert.ToHexString(cell.Select(b => (byte)~b).ToArray()), out c))
                    c = '?';
                line.Append(c);
            }
            lines[row] = line.ToString().TrimEnd();
        }
        return lines;
    }

    private static Dictionary<string, char> ConsoleGlyphs()
    {
        PsfFont font = PsfFont.Parse(File.ReadAllBytes(PsfFontTests.ConsoleFontPath)) ?? throw new InvalidDataException("the console font is unreadable");
        var glyphs = new Dictionary<string, char>();
        for (int c = 0x7E; c >= 0x20; c--)
            glyphs[Convert.ToHexString(font.Glyph((byte)c))] = (char)c;
        return glyphs;
    }
}
