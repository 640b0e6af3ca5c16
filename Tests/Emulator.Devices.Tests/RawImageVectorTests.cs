using System.Runtime.InteropServices;
using Emulator.Devices.Storage;

namespace Emulator.Devices.Tests;

/// <summary>A raw image's scattered I/O (preadv/pwritev) straight between the file and host memory.</summary>
public sealed class RawImageVectorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("raw-image-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string File(byte[] content)
    {
        var path = Path.Combine(_folder, "disk.img");
        global::System.IO.File.WriteAllBytes(path, content);
        return path;
    }

    private static IoVector Vector(byte[] pinned, int start, int length) =>
        new(Marshal.UnsafeAddrOfPinnedArrayElement(pinned, start), length);

    [Fact]
    public void ReadInto_FillsTheVectorsInOrder_AndZerosPastTheEndOfTheFile()
    {
        var content = Enumerable.Range(0, 1500).Select(i => (byte)(i % 251 + 1)).ToArray();
        using var image = RawImage.Open(File(content), readOnly: true);
        var memory = GC.AllocateArray<byte>(2048, pinned: true);
        Array.Fill(memory, (byte)0xee);

        // 1024 bytes from 1000: 500 from the file, then zeros; into three pieces of memory, out of order.
        image.ReadInto(1000, [Vector(memory, 1024, 100), Vector(memory, 0, 600), Vector(memory, 1500, 324)]);

        var expected = content.AsSpan(1000).ToArray().Concat(new byte[524]).ToArray();
        Assert.Equal(expected[..100], memory[1024..1124]);
        Assert.Equal(expected[100..700], memory[0..600]);
        Assert.Equal(expected[700..], memory[1500..1824]);
        Assert.Equal(0xee, memory[600]);
    }

    [Fact]
    public void WriteFrom_MoreVectorsThanOneSystemCallTakes_WritesThemAll()
    {
        using var image = RawImage.Open(File(new byte[1 << 20]), readOnly: false);
        var memory = GC.AllocateArray<byte>(3000 * 2, pinned: true);
        for (var i = 0; i < memory.Length; i++)
        {
            memory[i] = (byte)(i * 7);
        }

        // 3000 vectors of two bytes each: more than one preadv/pwritev takes (IOV_MAX, 1024).
        var vectors = Enumerable.Range(0, RawImage.IovMax * 3 - 72).Select(i => Vector(memory, i * 2, 2)).ToArray();
        image.WriteFrom(4096, vectors);

        var file = new byte[vectors.Length * 2];
        image.Read(4096, file);
        Assert.Equal(memory[..file.Length], file);
    }
}
