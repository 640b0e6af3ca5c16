using System.Buffers.Binary;
using Emulator.Core.DeviceTree;

namespace Emulator.Core.Tests.DeviceTree;

public class FdtReaderTests
{
    private static string ParseError(byte[] blob) => Assert.Throws<InvalidDataException>(() => FdtReader.Parse(blob)).Message;

    private static void Patch(byte[] blob, int offset, uint value) => BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(offset), value);

    internal static void AssertSameTree(FdtNode expected, FdtNode actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Properties.Select(p => p.Name), actual.Properties.Select(p => p.Name));
        for (int i = 0; i < expected.Properties.Count; i++)
        {
            Assert.Equal(expected.Properties[i].Value.ToArray(), actual.Properties[i].Value.ToArray());
        }
        Assert.Equal(expected.Children.Select(c => c.Name), actual.Children.Select(c => c.Name));
        for (int i = 0; i < expected.Children.Count; i++)
        {
            AssertSameTree(expected.Children[i], actual.Children[i]);
        }
    }

    [Fact]
    public void RoundTrip_PreservesNamesOrderAndValues()
    {
        FdtNode original = SampleTrees.Virt();

        FdtNode parsed = FdtReader.Parse(FdtWriter.Write(original));

        AssertSameTree(original, parsed);
        Assert.Equal("console=ttyAMA0 root=/dev/vda rw", parsed.Find("/chosen")!.GetProperty("bootargs")!.AsString());
        Assert.Equal(parsed.Find("/intc@8000000")!.Phandle, parsed.Find("/pl011@9000000")!.GetProperty("interrupt-parent")!.AsU32());
    }

    [Fact]
    public void RoundTrip_RewritesToIdenticalBytes()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt(), SampleTrees.VirtReservations, bootCpuId: 1);

        Assert.Equal(blob, FdtWriter.Write(FdtReader.Parse(blob), FdtReader.ReadReservations(blob), FdtReader.ReadHeader(blob).BootCpuId));
    }

    [Fact]
    public void ReadReservations_ReturnsEntriesWithoutTerminator()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt(), SampleTrees.VirtReservations);

        Assert.Equal(SampleTrees.VirtReservations, FdtReader.ReadReservations(blob));
        Assert.Empty(FdtReader.ReadReservations(FdtWriter.Write(new FdtNode())));
    }

    [Fact]
    public void ReadHeader_ReturnsFields()
    {
        byte[] blob = FdtWriter.Write(new FdtNode(), bootCpuId: 7);

        FdtHeader header = FdtReader.ReadHeader(blob);

        Assert.Equal((uint)blob.Length, header.TotalSize);
        Assert.Equal(17u, header.Version);
        Assert.Equal(16u, header.LastCompatibleVersion);
        Assert.Equal(7u, header.BootCpuId);
    }

    [Fact]
    public void BadMagic_IsReported()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt());
        Patch(blob, 0, 0x12345678);

        Assert.Equal("device tree: bad magic 0x12345678 (expected 0xd00dfeed)", ParseError(blob));
    }

    [Fact]
    public void TruncatedBlob_IsReported()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt());

        string message = ParseError(blob[..^10]);

        Assert.Equal($"device tree: totalsize {blob.Length} exceeds the {blob.Length - 10} bytes available (truncated blob?)", message);
    }

    [Fact]
    public void TruncatedHeader_IsReported()
    {
        byte[] blob = FdtWriter.Write(new FdtNode());

        Assert.Equal("device tree: blob is 20 bytes, shorter than the 40-byte header", ParseError(blob[..20]));
        Assert.Equal("device tree: blob is 2 bytes, too short for the magic number", ParseError(blob[..2]));
    }

    [Fact]
    public void BytesAfterTotalSize_AreIgnored()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt());

        AssertSameTree(SampleTrees.Virt(), FdtReader.Parse([.. blob, 0xff, 0xff, 0xff]));
    }

    [Theory]
    [InlineData(16u, 16u)]
    [InlineData(18u, 18u)]
    public void UnreadableVersion_IsReported(uint version, uint lastCompatible)
    {
        byte[] blob = new RawFdt().BeginNode("").EndNode().End().ToBlob(version, lastCompatible);

        Assert.StartsWith($"device tree: unsupported version {version}", ParseError(blob));
    }

    [Fact]
    public void NewerVersionCompatibleWith17_IsAccepted()
    {
        byte[] blob = new RawFdt().BeginNode("").EndNode().End().ToBlob(version: 20, lastCompatibleVersion: 17);

        Assert.Empty(FdtReader.Parse(blob).Children);
    }

    [Fact]
    public void MisalignedBlocks_AreReported()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt());
        byte[] misalignedStructure = (byte[])blob.Clone();
        Patch(misalignedStructure, 8, BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(8)) + 2);
        byte[] misalignedReservations = (byte[])blob.Clone();
        Patch(misalignedReservations, 16, 44);

        Assert.Contains("structure block offset", ParseError(misalignedStructure));
        Assert.Contains("not 4-byte aligned", ParseError(misalignedStructure));
        Assert.Equal("device tree: memory reservation block offset 0x2c is not 8-byte aligned", ParseError(misalignedReservations));
    }

    [Fact]
    public void BlockPastTotalSize_IsReported()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt());
        Patch(blob, 32, BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(32)) + 1);

        Assert.Contains("strings block", ParseError(blob));
        Assert.Contains("extends past totalsize", ParseError(blob));
    }

    [Fact]
    public void BlockInsideHeader_IsReported()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt());
        Patch(blob, 12, 8);
        Patch(blob, 32, 4);

        Assert.Equal("device tree: strings block offset 0x8 lies inside the header", ParseError(blob));
    }

    [Fact]
    public void OverlappingBlocks_AreReported()
    {
        byte[] blob = FdtWriter.Write(SampleTrees.Virt());
        Patch(blob, 12, BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(8)));

        Assert.Contains("overlaps strings block", ParseError(blob));
    }

    [Fact]
    public void Nops_AreSkipped()
    {
        byte[] blob = new RawFdt().Nop().BeginNode("").Nop().Prop("a", 1, 2, 3, 4).Nop().BeginNode("b").EndNode().Nop().EndNode().Nop().End().ToBlob();

        FdtNode root = FdtReader.Parse(blob);

        Assert.Equal(0x01020304u, root.GetProperty("a")!.AsU32());
        Assert.NotNull(root.Find("/b"));
    }

    [Fact]
    public void MissingEndToken_IsReported()
    {
        byte[] blob = new RawFdt().BeginNode("").EndNode().ToBlob();

        Assert.Equal("device tree: structure block ends at offset 0xc without an FDT_END token", ParseError(blob));
    }

    [Fact]
    public void UnknownToken_IsReported()
    {
        byte[] blob = new RawFdt().BeginNode("").Token(7).EndNode().End().ToBlob();

        Assert.Equal("device tree: unknown token 0x00000007 at structure offset 0x8", ParseError(blob));
    }

    [Fact]
    public void UnclosedNode_IsReported()
    {
        byte[] blob = new RawFdt().BeginNode("").BeginNode("a").EndNode().End().ToBlob();

        Assert.Equal("device tree: FDT_END at structure offset 0x14 while / is still open", ParseError(blob));
    }

    [Fact]
    public void UnmatchedEndNode_IsReported()
    {
        byte[] blob = new RawFdt().BeginNode("").EndNode().EndNode().End().ToBlob();

        Assert.Equal("device tree: FDT_END_NODE at structure offset 0xc has no matching FDT_BEGIN_NODE", ParseError(blob));
    }

    [Fact]
    public void SecondRoot_IsReported()
    {
        byte[] blob = new RawFdt().BeginNode("").EndNode().BeginNode("").EndNode().End().ToBlob();

        Assert.Equal("device tree: second root node at structure offset 0xc", ParseError(blob));
    }

    [Fact]
    public void EmptyStructure_IsReported()
    {
        Assert.Equal("device tree: structure block has no root node", ParseError(new RawFdt().End().ToBlob()));
    }

    [Fact]
    public void NamedRoot_IsReported()
    {
        byte[] blob = new RawFdt().BeginNode("x").EndNode().End().ToBlob();

        Assert.Equal("device tree: root node has name \"x\" (expected an empty name)", ParseError(blob));
    }

    [Fact]
    public void PropertyAfterChild_IsReported()
    {
        byte[] blob = new RawFdt().BeginNode("").BeginNode("a").EndNode().Prop("p").EndNode().End().ToBlob();

        Assert.Equal("device tree: property \"p\" of / comes after a child node", ParseError(blob));
    }

    [Fact]
    public void PropertyOutsideNode_IsReported()
    {
        byte[] blob = new RawFdt().Prop("p").BeginNode("").EndNode().End().ToBlob();

        Assert.Equal("device tree: property at structure offset 0x0 is outside any node", ParseError(blob));
    }

    [Fact]
    public void DuplicateNamesInANode_AreReported()
    {
        byte[] properties = new RawFdt().BeginNode("").Prop("p").Prop("p").EndNode().End().ToBlob();
        byte[] nodes = new RawFdt().BeginNode("").BeginNode("a").EndNode().BeginNode("a").EndNode().EndNode().End().ToBlob();

        Assert.Equal("device tree: duplicate property \"p\" in /", ParseError(properties));
        Assert.Equal("device tree: duplicate node \"a\" under /", ParseError(nodes));
    }

    [Fact]
    public void PropertyLongerThanStructureBlock_IsReported()
    {
        var raw = new RawFdt();
        uint name = raw.AddString("p");
        byte[] blob = raw.BeginNode("").RawProp(0xfffffff0, name, []).EndNode().End().ToBlob();

        Assert.Contains("has length 4294967280, past the end of the structure block", ParseError(blob));
    }

    [Fact]
    public void PropertyNameOffsetOutsideStrings_IsReported()
    {
        byte[] blob = new RawFdt().BeginNode("").RawProp(0, 100, []).EndNode().End().ToBlob();

        Assert.Equal("device tree: property at structure offset 0x8 in / has name offset 100, outside the 0-byte strings block", ParseError(blob));
    }

    [Fact]
    public void UnterminatedPropertyName_IsReported()
    {
        var raw = new RawFdt();
        uint name = raw.AddStringBytes("abc"u8.ToArray());
        byte[] blob = raw.BeginNode("").RawProp(0, name, []).EndNode().End().ToBlob();

        Assert.Equal("device tree: property name at strings offset 0 is not NUL-terminated", ParseError(blob));
    }

    [Fact]
    public void UnterminatedNodeName_IsReported()
    {
        byte[] blob = new RawFdt().BeginNode("").Token(1).Token(0x61616161).ToBlob();

        Assert.Equal("device tree: node name at structure offset 0xc is not NUL-terminated", ParseError(blob));
    }

    [Fact]
    public void InvalidNames_AreReportedWithEscapes()
    {
        byte[] node = new RawFdt().BeginNode("").BeginNode("a\u0001b").EndNode().EndNode().End().ToBlob();
        byte[] property = new RawFdt().BeginNode("").Prop("bad name").EndNode().End().ToBlob();

        Assert.Equal("device tree: invalid node name \"a\\x01b\" under / at structure offset 0x8", ParseError(node));
        Assert.Equal("device tree: invalid property name \"bad name\" in / at structure offset 0x8", ParseError(property));
    }

    [Fact]
    public void ExcessiveNesting_IsReported()
    {
        var raw = new RawFdt().BeginNode("");
        for (int i = 0; i < 100; i++)
        {
            raw.BeginNode("n");
        }
        for (int i = 0; i < 100; i++)
        {
            raw.EndNode();
        }

        Assert.Contains("nested deeper than 64 levels", ParseError(raw.EndNode().End().ToBlob()));
    }

    [Fact]
    public void UnterminatedReservationBlock_IsReported()
    {
        byte[] blob = FdtWriter.Write(new FdtNode(), [(0x1000, 0x1000)]);
        // Point the reservation map at the last 16 bytes of the blob: the strings block is empty,
        // so these are the structure block's tokens, which never form an all-zero entry.
        Patch(blob, 16, (uint)blob.Length - 16);

        string message = Assert.Throws<InvalidDataException>(() => FdtReader.ReadReservations(blob)).Message;
        Assert.StartsWith("device tree: memory reservation block at 0x", message);
        Assert.EndsWith("without its terminating entry", message);
    }
}
