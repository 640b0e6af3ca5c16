using Emulator.Core.DeviceTree;

namespace Emulator.Core.Tests.DeviceTree;

public class FdtNodeTests
{
    [Fact]
    public void SetU32_StoresBigEndianCells()
    {
        var node = new FdtNode().SetU32("reg", 0x01020304, 0xa0b0c0d0);

        Assert.Equal(new byte[] { 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0 }, node.GetProperty("reg")!.Value.ToArray());
        Assert.Equal(new uint[] { 0x01020304, 0xa0b0c0d0 }, node.GetProperty("reg")!.AsU32Array());
    }

    [Fact]
    public void SetU64_StoresEachValueAsTwoCellsHighFirst()
    {
        var node = new FdtNode().SetU64("reg", 0x0000_0001_4000_0000, 0x800_0000);

        Assert.Equal(new uint[] { 1, 0x4000_0000, 0, 0x800_0000 }, node.GetProperty("reg")!.AsU32Array());
        Assert.Equal(new ulong[] { 0x1_4000_0000, 0x800_0000 }, node.GetProperty("reg")!.AsU64Array());
    }

    [Fact]
    public void SetString_StoresNulTerminatedText()
    {
        var node = new FdtNode().SetString("model", "virt");

        Assert.Equal("virt\0"u8.ToArray(), node.GetProperty("model")!.Value.ToArray());
        Assert.Equal("virt", node.GetProperty("model")!.AsString());
    }

    [Fact]
    public void SetStringList_StoresConsecutiveNulTerminatedStrings()
    {
        var node = new FdtNode().SetStringList("compatible", "arm,pl011", "arm,primecell");

        Assert.Equal("arm,pl011\0arm,primecell\0"u8.ToArray(), node.GetProperty("compatible")!.Value.ToArray());
        Assert.Equal(["arm,pl011", "arm,primecell"], node.GetProperty("compatible")!.AsStringList());
    }

    [Fact]
    public void SetString_RejectsEmbeddedNul()
    {
        Assert.Throws<ArgumentException>(() => new FdtNode().SetString("model", "a\0b"));
    }

    [Fact]
    public void SetEmpty_StoresZeroLengthValue()
    {
        var node = new FdtNode().SetEmpty("interrupt-controller");

        Assert.Equal(0, node.GetProperty("interrupt-controller")!.Length);
    }

    [Fact]
    public void SetProperty_ReplacesExistingValueInPlace()
    {
        var node = new FdtNode().SetU32("a", 1).SetU32("b", 2).SetU32("c", 3);

        node.SetString("b", "two");

        Assert.Equal(["a", "b", "c"], node.Properties.Select(p => p.Name));
        Assert.Equal("two", node.GetProperty("b")!.AsString());
    }

    [Fact]
    public void RemoveProperty_ReportsWhetherItExisted()
    {
        var node = new FdtNode().SetU32("a", 1);

        Assert.True(node.RemoveProperty("a"));
        Assert.False(node.RemoveProperty("a"));
        Assert.Null(node.GetProperty("a"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad name")]
    [InlineData("a/b")]
    [InlineData("caf\u00e9")]
    public void InvalidPropertyNames_AreRejected(string name)
    {
        Assert.Throws<ArgumentException>(() => new FdtNode().SetU32(name, 1));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("@8000")]
    [InlineData("uart@")]
    [InlineData("a@b@c")]
    [InlineData("sp ace")]
    public void InvalidNodeNames_AreRejected(string name)
    {
        Assert.Throws<ArgumentException>(() => new FdtNode().AddChild(name));
    }

    [Fact]
    public void Path_JoinsAncestorNames()
    {
        var root = new FdtNode();
        FdtNode cpu = root.AddChild("cpus").AddChild("cpu@0");

        Assert.Equal("/", root.Path);
        Assert.Equal("/cpus", cpu.Parent!.Path);
        Assert.Equal("/cpus/cpu@0", cpu.Path);
    }

    [Fact]
    public void Find_ResolvesFullPathsAndNamesWithoutUnitAddress()
    {
        FdtNode root = SampleTrees.Virt();

        Assert.Same(root, root.Find("/"));
        Assert.Equal("/chosen", root.Find("/chosen")!.Path);
        Assert.Equal("/intc@8000000", root.Find("/intc@8000000")!.Path);
        Assert.Equal("/intc@8000000", root.Find("/intc")!.Path);
        Assert.Equal("/cpus/cpu@0", root.Find("/cpus/cpu@0")!.Path);
        Assert.Null(root.Find("/intc@9000000"));
        Assert.Null(root.Find("/nothing/here"));
    }

    [Fact]
    public void GetOrAddChild_ReturnsExistingChildOrCreatesOne()
    {
        var root = new FdtNode();
        FdtNode chosen = root.AddChild("chosen");

        Assert.Same(chosen, root.GetOrAddChild("chosen"));
        FdtNode aliases = root.GetOrAddChild("aliases");
        Assert.Equal(["chosen", "aliases"], root.Children.Select(c => c.Name));
        Assert.Same(root, aliases.Parent);
    }

    [Fact]
    public void AddChild_RejectsDuplicateNames()
    {
        var root = new FdtNode();
        root.AddChild("chosen");

        Assert.Throws<ArgumentException>(() => root.AddChild("chosen"));
    }

    [Fact]
    public void AddChild_RejectsAttachedNodesAndCycles()
    {
        var root = new FdtNode();
        FdtNode a = root.AddChild("a");
        var loose = new FdtNode("b");
        a.AddChild(loose);

        Assert.Throws<ArgumentException>(() => root.AddChild(loose));
        Assert.Throws<ArgumentException>(() => a.AddChild(new FdtNode()));
        var detachedTop = new FdtNode("top");
        FdtNode below = detachedTop.AddChild("below");
        Assert.Throws<ArgumentException>(() => below.AddChild(detachedTop));
    }

    [Fact]
    public void RemoveChild_DetachesTheNode()
    {
        var root = new FdtNode();
        FdtNode chosen = root.AddChild("chosen");

        Assert.True(root.RemoveChild("chosen"));
        Assert.Null(chosen.Parent);
        Assert.Empty(root.Children);
        Assert.False(root.RemoveChild("chosen"));
    }

    [Fact]
    public void PhandleAllocator_AssignsSequentialPhandles()
    {
        var phandles = new PhandleAllocator();
        var root = new FdtNode();
        FdtNode a = root.AddChild("a");
        FdtNode b = root.AddChild("b");

        Assert.Equal(1u, phandles.Assign(a));
        Assert.Equal(2u, phandles.Assign(b));
        Assert.Equal(2u, b.Phandle);
        Assert.Null(root.Phandle);
        Assert.Throws<InvalidOperationException>(() => phandles.Assign(a));
    }
}
