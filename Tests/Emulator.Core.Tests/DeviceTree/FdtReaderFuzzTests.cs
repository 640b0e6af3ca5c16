using System.Buffers.Binary;
using Emulator.Core.DeviceTree;

namespace Emulator.Core.Tests.DeviceTree;

public class FdtReaderFuzzTests
{
    private const int Iterations = 5000;

    /// <summary>Values likely to hit edge cases when written over a length, offset or token.</summary>
    private static readonly uint[] InterestingWords =
    [
        0, 1, 2, 3, 4, 8, 9, 16, 39, 40, 0x7f, 0x80, 0xff, 0x7fff_ffff, 0x8000_0000, 0xffff_fffc, 0xffff_ffff,
    ];

    [Fact]
    public void MutatedBlobs_OnlyEverThrowInvalidDataException()
    {
        byte[] original = FdtWriter.Write(SampleTrees.Virt(), SampleTrees.VirtReservations);
        var random = new Random(20240601);
        var failures = new List<string>();
        int accepted = 0;

        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            byte[] blob = Mutate(original, random);
            try
            {
                FdtReader.ReadHeader(blob);
                FdtReader.ReadReservations(blob);
                FdtNode root = FdtReader.Parse(blob);
                accepted++;
                // Whatever the reader accepts, the writer must be able to write back out unchanged.
                byte[] rewritten = FdtWriter.Write(root);
                if (!rewritten.AsSpan().SequenceEqual(FdtWriter.Write(FdtReader.Parse(rewritten))))
                {
                    failures.Add($"iteration {iteration}: rewrite is not stable");
                }
            }
            catch (InvalidDataException e)
            {
                if (!e.Message.StartsWith("device tree: ", StringComparison.Ordinal) || e.Message.Contains('\n') || e.Message.Contains('\r'))
                {
                    failures.Add($"iteration {iteration}: badly formed message {e.Message}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"iteration {iteration}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        // Sanity: the mutations must reach both outcomes, or the test checks less than it claims.
        Assert.InRange(accepted, 1, Iterations - 1);
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] blob = (byte[])original.Clone();
        int mutations = random.Next(1, 4);
        for (int i = 0; i < mutations && blob.Length > 0; i++)
        {
            switch (random.Next(6))
            {
                case 0: // flip random bits
                    blob[random.Next(blob.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // random byte
                    blob[random.Next(blob.Length)] = (byte)random.Next(256);
                    break;
                case 2: // interesting word at an aligned offset, often a length, offset or token
                    if (blob.Length >= 4)
                    {
                        int offset = random.Next(blob.Length / 4) * 4;
                        BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(offset), InterestingWords[random.Next(InterestingWords.Length)]);
                    }
                    break;
                case 3: // header field nudged by a small amount
                    if (blob.Length >= 40)
                    {
                        int field = random.Next(10) * 4;
                        uint value = BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(field));
                        BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(field), value + (uint)random.Next(-16, 17));
                    }
                    break;
                case 4: // truncate
                    blob = blob[..random.Next(blob.Length)];
                    break;
                case 5: // truncate and fix up totalsize, so the checks past the header are reached
                    blob = blob[..random.Next(blob.Length)];
                    if (blob.Length >= 8)
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(4), (uint)blob.Length);
                    }
                    break;
            }
        }
        return blob;
    }
}
