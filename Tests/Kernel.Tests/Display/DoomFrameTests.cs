using System.Buffers.Binary;
using System.Text;

namespace Kernel.Tests.Display;

/// <summary>
/// The host's reading of DOOM's data, which the DOOM boot tests compare the screen with: lumps found by name
/// in a WAD, pictures in patch format drawn at their offsets, and the frame's place on a larger screen.
/// </summary>
public sealed class DoomFrameTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("doomframe-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_patch_is_drawn_at_its_place_less_its_offsets_and_scaled_2x_in_the_middle_of_the_screen()
    {
        var wad = Wad.Read(WriteWad());
        var frame = new DoomFrame(wad).Draw(wad.Lump("PIC"), 11, 20);
        // The picture's left offset is 1: its columns land at x = 10 and 11; column 0 has rows 0-1 in colour 5,
        // column 1 row 2 in colour 6 (a post starting at row 2).
        var pixels = new Dictionary<(int, int), (byte, byte, byte)> { [(10, 20)] = (10, 20, 30), [(10, 21)] = (10, 20, 30), [(11, 22)] = (40, 50, 60) };
        var (compared, wrong, first) = frame.CompareWith(WriteScreen(640, 480, pixels));
        Assert.Equal(3 * 4, compared);
        Assert.True(wrong == 0, first);

        pixels[(11, 22)] = (40, 50, 61);
        Assert.Equal(4, frame.CompareWith(WriteScreen(640, 480, pixels)).Wrong);
    }

    [Fact]
    public void The_borders_are_what_lies_outside_the_scaled_frame()
    {
        Assert.True(DoomFrame.BordersAreBlack(WriteScreen(640, 480, new() { [(0, 0)] = (255, 255, 255) })));
        string path = Path.Combine(_folder, "border.ppm");
        byte[] header = Encoding.ASCII.GetBytes("P6\n640 480\n255\n");
        byte[] data = new byte[640 * 480 * 3];
        data[(10 * 640 + 5) * 3] = 1; // (5, 10): above the frame, which starts at row 40
        File.WriteAllBytes(path, [.. header, .. data]);
        Assert.False(DoomFrame.BordersAreBlack(Screendump.Read(path)));
    }

    /// <summary>A WAD with PLAYPAL (colour 5 = 10,20,30; colour 6 = 40,50,60) and PIC, a 2-column patch offset 1 left.</summary>
    private string WriteWad()
    {
        byte[] palette = new byte[768];
        palette[15] = 10; palette[16] = 20; palette[17] = 30;
        palette[18] = 40; palette[19] = 50; palette[20] = 60;
        var patch = new List<byte>();
        void Short(int v) { var b = new byte[2]; BinaryPrimitives.WriteInt16LittleEndian(b, (short)v); patch.AddRange(b); }
        void Int(int v) { var b = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v); patch.AddRange(b); }
        Short(2); Short(3); Short(1); Short(0);
        Int(16); Int(16 + 7);
        patch.AddRange(new byte[] { 0, 2, 0, 5, 5, 0, 0xff });   // column 0: rows 0-1
        patch.AddRange(new byte[] { 2, 1, 0, 6, 0, 0xff });      // column 1: row 2
        var lumps = new (string Name, byte[] Data)[] { ("PLAYPAL", palette), ("PIC", patch.ToArray()) };
        var wad = new List<byte>(Encoding.ASCII.GetBytes("PWAD"));
        int offset = 12 + lumps.Sum(l => l.Data.Length);
        wad.AddRange(BitConverter.GetBytes(lumps.Length));
        wad.AddRange(BitConverter.GetBytes(offset));
        foreach (var (_, data) in lumps)
            wad.AddRange(data);
        int at = 12;
        foreach (var (name, data) in lumps)
        {
            wad.AddRange(BitConverter.GetBytes(at));
            wad.AddRange(BitConverter.GetBytes(data.Length));
            wad.AddRange(Encoding.ASCII.GetBytes(name.PadRight(8, '\0')));
            at += data.Length;
        }
        string path = Path.Combine(_folder, "test.wad");
        File.WriteAllBytes(path, wad.ToArray());
        return path;
    }

    /// <summary>A screendump with the frame's <paramref name="pixels"/> drawn 2x from (0, 40), the rest black.</summary>
    private Screendump WriteScreen(int width, int height, Dictionary<(int X, int Y), (byte R, byte G, byte B)> pixels)
    {
        byte[] header = Encoding.ASCII.GetBytes($"P6\n{width} {height}\n255\n");
        byte[] data = new byte[width * height * 3];
        foreach (var ((x, y), (r, g, b)) in pixels)
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++)
                {
                    int i = ((40 + y * 2 + dy) * width + x * 2 + dx) * 3;
                    (data[i], data[i + 1], data[i + 2]) = (r, g, b);
                }
        string path = Path.Combine(_folder, $"screen{Guid.NewGuid():N}.ppm");
        File.WriteAllBytes(path, [.. header, .. data]);
        return Screendump.Read(path);
    }
}
