using System.Buffers.Binary;
using System.Text;
using Emulator.Core.DeviceTree;

namespace Emulator.Core.Tests.DeviceTree;

public class FdtWriterTests
{
    private static uint Word(byte[] blob, int offset) => BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(offset));

    [Fact]
    public void Header_HasMagicVersionsSizesAndBootCpu()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt(), bootCpuId: 3);

        Assert.Equal(0xd00dfeedu, Word(blob, 0));
        Assert.Equal((uint)blob.Length, Word(blob, 4));
        Assert.Equal(17u, Word(blob, 20));
        Assert.Equal(16u, Word(blob, 24));
        Assert.Equal(3u, Word(blob, 28));
        uint stringsOffset = Word(blob, 12), stringsSize = Word(blob, 32);
        Assert.Equal((uint)blob.Length, stringsOffset + stringsSize);
    }

    [Fact]
    public void Blocks_AreAlignedAndInSpecOrder()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt(), SampleTrees.VirtReservations);
        uint structure = Word(blob, 8), strings = Word(blob, 12), reservations = Word(blob, 16);
        uint structureSize = Word(blob, 36);

        Assert.Equal(0u, reservations % 8);
        Assert.Equal(0u, structure % 4);
        Assert.Equal(0u, structureSize % 4);
        Assert.True(reservations >= 40);
        Assert.Equal(reservations + 3 * 16, structure);
        Assert.Equal(structure + structureSize, strings);
    }

    [Fact]
    public void EmptyRoot_IsBeginNodeEmptyNameEndNodeEnd()
    {
        byte[] blob = FdtWriter.Write(new FdtNode());
        uint structure = Word(blob, 8);

        Assert.Equal(16u, Word(blob, 36));
        Assert.Equal(new uint[] { 1, 0, 2, 9 }, Enumerable.Range(0, 4).Select(i => Word(blob, (int)structure + i * 4)));
        Assert.Equal(0u, Word(blob, 32));
    }

    [Fact]
    public void Property_IsTokenLengthNameOffsetAndPaddedValue()
    {
        var root = new FdtNode();
        root.SetBytes("abc", [0xaa, 0xbb, 0xcc, 0xdd, 0xee]);
        byte[] blob = FdtWriter.Write(root);
        int s = (int)Word(blob, 8);

        Assert.Equal(3u, Word(blob, s + 8));
        Assert.Equal(5u, Word(blob, s + 12));
        Assert.Equal(0u, Word(blob, s + 16));
        Assert.Equal(new byte[] { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0, 0, 0 }, blob[(s + 20)..(s + 28)]);
        Assert.Equal(2u, Word(blob, s + 28));
    }

    [Fact]
    public void NodeName_IsNulTerminatedAndPaddedToFourBytes()
    {
        var root = new FdtNode();
        root.AddChild("abcd");
        byte[] blob = FdtWriter.Write(root);
        int s = (int)Word(blob, 8);

        Assert.Equal(1u, Word(blob, s + 8));
        Assert.Equal("abcd\0\0\0\0"u8.ToArray(), blob[(s + 12)..(s + 20)]);
        Assert.Equal(2u, Word(blob, s + 20));
    }

    [Fact]
    public void StringsBlock_HoldsEachPropertyNameOnce()
    {
        var root = new FdtNode().SetU32("reg", 1).SetString("compatible", "x");
        root.AddChild("a").SetU32("reg", 2);
        root.AddChild("b").SetU32("reg", 3).SetString("compatible", "y");
        byte[] blob = FdtWriter.Write(root);
        int strings = (int)Word(blob, 12), size = (int)Word(blob, 32);

        Assert.Equal("reg\0compatible\0", Encoding.ASCII.GetString(blob, strings, size));
    }

    [Fact]
    public void Reservations_AreWrittenAsPairsEndingWithZeroEntry()
    {
        byte[] blob = FdtWriter.Write(new FdtNode(), [(0x1_2345_6789, 0x1000)]);
        int map = (int)Word(blob, 16);

        Assert.Equal(0x1_2345_6789ul, BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(map)));
        Assert.Equal(0x1000ul, BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(map + 8)));
        Assert.Equal(0ul, BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(map + 16)));
        Assert.Equal(0ul, BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(map + 24)));
    }

    [Fact]
    public void ZeroSizedReservation_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => FdtWriter.Write(new FdtNode(), [(0x4000_0000, 0)]));
    }

    [Fact]
    public void NonRootNode_IsRejected()
    {
        FdtNode chosen = new FdtNode().AddChild("chosen");

        Assert.Throws<ArgumentException>(() => FdtWriter.Write(chosen));
        Assert.Throws<ArgumentException>(() => FdtWriter.Write(new FdtNode("detached")));
    }

    [Fact]
    public void TreeDeeperThanTheReaderAccepts_IsRejected()
    {
        var root = new FdtNode();
        FdtNode node = root;
        for (int i = 0; i < 100; i++)
        {
            node = node.AddChild("n");
        }

        Assert.Throws<ArgumentException>(() => FdtWriter.Write(root));
    }
}
