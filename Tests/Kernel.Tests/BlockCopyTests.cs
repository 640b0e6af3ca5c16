using Internal.Runtime;

namespace Kernel.Tests;

/// <summary>
/// The kernel's memmove and memset(0) (<see cref="BlockCopy"/>): every length across the word and step
/// boundaries, every misalignment of source and destination, and overlapping blocks in both directions,
/// against a byte-at-a-time reference; bytes outside the block stay untouched.
/// </summary>
public unsafe class BlockCopyTests
{
    private const int Size = 256;

    private static byte[] Pattern(int seed)
    {
        var bytes = new byte[Size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void Copies_between_separate_blocks_at_every_alignment_and_length()
    {
        byte[] source = Pattern(1);
        for (int length = 0; length <= 100; length++)
            for (int from = 0; from < 8; from++)
                for (int to = 0; to < 8; to++)
                {
                    byte[] destination = Pattern(2), expected = Pattern(2);
                    Array.Copy(source, from, expected, to, length);
                    fixed (byte* s = source, d = destination)
                        BlockCopy.Move(d + to, s + from, (nuint)length);
                    Assert.True(expected.AsSpan().SequenceEqual(destination), $"length {length}, from {from}, to {to}");
                }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(100)]
    public void Overlapping_blocks_move_as_memmove_in_both_directions(int distance)
    {
        for (int length = 0; length <= 120; length++)
            foreach (bool up in new[] { true, false })
            {
                byte[] buffer = Pattern(3), expected = Pattern(3);
                int from = up ? 10 : 10 + distance, to = up ? 10 + distance : 10;
                // Array.Copy is specified to behave as if the source were saved first.
                Array.Copy(expected, from, expected, to, length);
                fixed (byte* b = buffer)
                    BlockCopy.Move(b + to, b + from, (nuint)length);
                Assert.True(expected.AsSpan().SequenceEqual(buffer), $"length {length}, {(up ? "up" : "down")} by {distance}");
            }
    }

    [Fact]
    public void Zero_clears_exactly_the_block()
    {
        for (int length = 0; length <= 100; length++)
            for (int at = 0; at < 8; at++)
            {
                byte[] buffer = Pattern(4), expected = Pattern(4);
                Array.Clear(expected, at, length);
                fixed (byte* b = buffer)
                    BlockCopy.Zero(b + at, (nuint)length);
                Assert.True(expected.AsSpan().SequenceEqual(buffer), $"length {length} at {at}");
            }
    }
}
