using System.IO.Compression;
using System.Text;
using Kernel.Logic;
using Kernel.Logic.Fs;

namespace Kernel.Tests.Fs;

public class GzipTests
{
    private static byte[] Compress(byte[] data, CompressionLevel level)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, level))
            gz.Write(data);
        return ms.ToArray();
    }

    private static byte[] CompressZlibLevel(byte[] data, int level)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, new ZLibCompressionOptions { CompressionLevel = level }))
            gz.Write(data);
        return ms.ToArray();
    }

    private static byte[] RoundTrip(byte[] gz, int expectedLength)
    {
        Assert.True(Gzip.IsGzip(gz));
        Assert.Equal(expectedLength, Gzip.UncompressedSize(gz));
        var output = new byte[expectedLength];
        Assert.Equal(0, Gzip.Decompress(gz, output, out int written));
        Assert.Equal(expectedLength, written);
        return output;
    }

    private static byte[] RandomBytes(int n, int seed)
    {
        var data = new byte[n];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static byte[] Text(int n)
    {
        var sb = new StringBuilder();
        var rng = new Random(7);
        string[] words = { "kernel", "inode", "the", "page", "tmpfs", "deflate", "huffman", "of", "a", "directory", "\n" };
        while (sb.Length < n)
            sb.Append(words[rng.Next(words.Length)]).Append(' ');
        return Encoding.ASCII.GetBytes(sb.ToString(0, n));
    }

    public static TheoryData<string, int> Inputs => new()
    {
        { "empty", 0 }, { "one", 1 }, { "random", 100_000 }, { "text", 300_000 }, { "zeros", 1_000_000 }, { "mixed", 2 * 1024 * 1024 },
    };

    private static byte[] Make(string kind, int n) => kind switch
    {
        "random" => RandomBytes(n, n),
        "zeros" => new byte[n],
        "mixed" => Mixed(n),
        _ => Text(n),
    };

    // Text with random and repeated runs: long and short matches, literals, far distances.
    private static byte[] Mixed(int n)
    {
        var data = new byte[n];
        var rng = new Random(3);
        byte[] text = Text(64 * 1024);
        int pos = 0;
        while (pos < n)
        {
            int len = Math.Min(n - pos, rng.Next(1, 5000));
            switch (rng.Next(3))
            {
                case 0: rng.NextBytes(data.AsSpan(pos, len)); break;
                case 1: text.AsSpan(rng.Next(text.Length - 5000), len).CopyTo(data.AsSpan(pos)); break;
                default: if (pos > 0) { int from = rng.Next(Math.Max(0, pos - 32768), pos); for (int i = 0; i < len; i++) data[pos + i] = data[from + i]; } break;
            }
            pos += len;
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void RoundTripsGZipStreamAtEveryLevel(string kind, int n)
    {
        byte[] data = Make(kind, n);
        if (n == 0)
        {
            // GZipStream writes nothing at all for empty input; gzip(1) writes a real empty member.
            Assert.Empty(Compress(data, CompressionLevel.Optimal));
            Assert.Empty(RoundTrip(GzipBinary(data), 0));
            return;
        }
        Assert.Equal(data, RoundTrip(GzipBinary(data), n));
        foreach (CompressionLevel level in new[] { CompressionLevel.NoCompression, CompressionLevel.Fastest, CompressionLevel.Optimal, CompressionLevel.SmallestSize })
            Assert.Equal(data, RoundTrip(Compress(data, level), n));
        for (int level = 0; level <= 9; level++)
            Assert.Equal(data, RoundTrip(CompressZlibLevel(data, level), n));
    }

    [Fact]
    public void ManySmallInputsUseFixedAndDynamicBlocks()
    {
        var rng = new Random(11);
        for (int i = 0; i < 300; i++)
        {
            int n = rng.Next(0, 2000);
            byte[] data = i % 2 == 0 ? RandomBytes(n, i) : Text(n);
            Assert.Equal(data, RoundTrip(CompressZlibLevel(data, rng.Next(0, 10)), n));
        }
    }

    [Fact]
    public void DecodesTheGzipBinarysOutputWithFileName()
    {
        string dir = Directory.CreateTempSubdirectory("gz").FullName;
        try
        {
            byte[] data = Text(50_000);
            string path = Path.Combine(dir, "some-file.txt");
            File.WriteAllBytes(path, data);
            Run("gzip", "-9", "-N", path);
            byte[] gz = File.ReadAllBytes(path + ".gz");
            Assert.Equal(0x08, gz[3] & 0x08); // FNAME set by gzip(1)
            Assert.Equal(data, RoundTrip(gz, data.Length));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static byte[] GzipBinary(byte[] data)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, data);
            Run("gzip", "-f", "-6", path);
            return File.ReadAllBytes(path + ".gz");
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".gz");
        }
    }

    internal static void Run(string file, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} failed: {err}");
    }

    // Rebuilds a GZipStream member with the optional header fields the flags name.
    private static byte[] WithHeaderFields(byte[] gz, bool extra, bool name, bool comment, bool hcrc)
    {
        var header = new List<byte>(gz.AsSpan(0, 10).ToArray());
        byte flags = 0;
        if (extra) { flags |= 0x04; header.AddRange(new byte[] { 6, 0, (byte)'A', (byte)'B', 2, 0, 1, 2 }); }
        if (name) { flags |= 0x08; header.AddRange(Encoding.ASCII.GetBytes("name.cpio\0")); }
        if (comment) { flags |= 0x10; header.AddRange(Encoding.ASCII.GetBytes("a comment\0")); }
        if (hcrc) flags |= 0x02;
        header[3] = flags;
        if (hcrc)
        {
            uint crc = Kernel.Logic.Fs.Crc32.Compute(header.ToArray());
            header.Add((byte)crc);
            header.Add((byte)(crc >> 8));
        }
        header.AddRange(gz.AsSpan(10).ToArray());
        return header.ToArray();
    }

    [Fact]
    public void ParsesEveryOptionalHeaderField()
    {
        byte[] data = Text(10_000);
        byte[] gz = Compress(data, CompressionLevel.Optimal);
        for (int mask = 0; mask < 16; mask++)
        {
            byte[] g = WithHeaderFields(gz, (mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0, (mask & 8) != 0);
            Assert.Equal(data, RoundTrip(g, data.Length));
        }
    }

    [Fact]
    public void BadHeaderCrcReservedFlagsAndMethodAreRejected()
    {
        byte[] data = Text(1000);
        byte[] gz = WithHeaderFields(Compress(data, CompressionLevel.Optimal), true, true, false, true);
        var output = new byte[data.Length];
        byte[] bad = (byte[])gz.Clone();
        bad[4] ^= 1; // MTIME is covered by the header CRC
        Assert.Equal(-Errno.EINVAL, Gzip.Decompress(bad, output, out _));
        bad = (byte[])gz.Clone();
        bad[3] |= 0x20;
        Assert.Equal(-Errno.EINVAL, Gzip.Decompress(bad, output, out _));
        bad = (byte[])gz.Clone();
        bad[2] = 7;
        Assert.False(Gzip.IsGzip(bad));
        Assert.Equal(-Errno.EINVAL, Gzip.Decompress(bad, output, out _));
    }

    [Fact]
    public void CorruptedCrcOrSizeIsRejected()
    {
        byte[] data = Text(20_000);
        byte[] gz = Compress(data, CompressionLevel.Optimal);
        var output = new byte[data.Length];
        for (int i = 8; i >= 1; i--)
        {
            byte[] bad = (byte[])gz.Clone();
            bad[^i] ^= 0x10;
            Assert.Equal(-Errno.EINVAL, Gzip.Decompress(bad, output, out _));
        }
        // A flipped bit in the body: either undecodable or a CRC mismatch, never success.
        var rng = new Random(5);
        for (int i = 0; i < 200; i++)
        {
            byte[] bad = (byte[])gz.Clone();
            bad[rng.Next(10, gz.Length - 8)] ^= (byte)(1 << rng.Next(8));
            Assert.Equal(-Errno.EINVAL, Gzip.Decompress(bad, new byte[data.Length + 1000], out _));
        }
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        foreach (byte[] data in new[] { Text(3000), RandomBytes(3000, 1), new byte[3000] })
            foreach (var level in new[] { CompressionLevel.NoCompression, CompressionLevel.Optimal })
            {
                byte[] gz = Compress(data, level);
                var output = new byte[data.Length];
                for (int len = 0; len < gz.Length; len++)
                    Assert.Equal(-Errno.EINVAL, Gzip.Decompress(gz.AsSpan(0, len), output, out _));
                Assert.Equal(0, Gzip.Decompress(gz, output, out _));
            }
    }

    [Fact]
    public void TooSmallOutputIsRejected()
    {
        foreach (var level in new[] { CompressionLevel.NoCompression, CompressionLevel.Optimal })
        {
            byte[] data = Text(5000);
            byte[] gz = Compress(data, level);
            Assert.Equal(-Errno.EINVAL, Gzip.Decompress(gz, new byte[data.Length - 1], out _));
            Assert.Equal(-Errno.EINVAL, Gzip.Decompress(gz, Array.Empty<byte>(), out _));
            var bigger = new byte[data.Length + 10];
            Assert.Equal(0, Gzip.Decompress(gz, bigger, out int written));
            Assert.Equal(data.Length, written);
        }
    }

    [Fact]
    public void ConcatenatedMembersAndZeroPaddingDecode()
    {
        byte[] a = Text(4000), b = RandomBytes(3000, 9);
        byte[] gz = Compress(a, CompressionLevel.Optimal).Concat(Compress(b, CompressionLevel.Fastest)).Concat(new byte[17]).ToArray();
        var output = new byte[a.Length + b.Length];
        Assert.Equal(0, Gzip.Decompress(gz, output, out int written));
        Assert.Equal(a.Concat(b).ToArray(), output);
        Assert.Equal(output.Length, written);
        Assert.Equal(0, Gzip.DecompressMember(gz, output, out written, out int consumed));
        Assert.Equal(a.Length, written);
        Assert.Equal(Compress(a, CompressionLevel.Optimal).Length, consumed);
        // Garbage after a member is an error.
        byte[] junk = Compress(a, CompressionLevel.Optimal).Concat(new byte[] { 0, 1, 2 }).ToArray();
        Assert.Equal(-Errno.EINVAL, Gzip.Decompress(junk, new byte[a.Length], out _));
    }

    [Fact]
    public void RandomGarbageNeverCrashes()
    {
        var rng = new Random(1234);
        var output = new byte[4096];
        for (int i = 0; i < 3000; i++)
        {
            var junk = new byte[rng.Next(0, 200)];
            rng.NextBytes(junk);
            if (junk.Length >= 4) { junk[0] = 0x1F; junk[1] = 0x8B; junk[2] = 8; junk[3] &= 0x1F; }
            int rc = Gzip.Decompress(junk, output, out int written);
            Assert.True(rc == 0 || rc == -Errno.EINVAL);
            Assert.InRange(written, 0, output.Length);
            // Raw deflate on garbage: same guarantee.
            rc = Inflate.Decompress(junk, output, out written, out int consumed);
            Assert.True(rc == 0 || rc == -Errno.EINVAL);
            Assert.InRange(consumed, 0, junk.Length);
        }
    }

    [Fact]
    public void RawInflateMatchesDeflateStream()
    {
        byte[] data = Mixed(500_000);
        using var ms = new MemoryStream();
        using (var d = new DeflateStream(ms, CompressionLevel.SmallestSize))
            d.Write(data);
        byte[] raw = ms.ToArray().Concat(new byte[] { 0xAA, 0xBB }).ToArray();
        var output = new byte[data.Length];
        Assert.Equal(0, Inflate.Decompress(raw, output, out int written, out int consumed));
        Assert.Equal(data.Length, written);
        Assert.Equal(raw.Length - 2, consumed);
        Assert.Equal(data, output);
    }

    [Fact]
    public void UncompressedSizeRejectsNonGzip()
    {
        Assert.Equal(-Errno.EINVAL, Gzip.UncompressedSize(new byte[] { 1, 2, 3 }));
        Assert.Equal(-Errno.EINVAL, Gzip.UncompressedSize(Array.Empty<byte>()));
        Assert.False(Gzip.IsGzip(Encoding.ASCII.GetBytes("070701")));
    }

    [Fact]
    public void Crc32MatchesTheCheckValue()
    {
        Assert.Equal(0xCBF43926u, Kernel.Logic.Fs.Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, Kernel.Logic.Fs.Crc32.Compute(ReadOnlySpan<byte>.Empty));
    }
}
