namespace Emulator.Core.DeviceTree;

/// <summary>
/// Hands out phandles 1, 2, 3, ... for one tree. 0 and 0xffffffff are never used, as §2.3.3
/// reserves them.
/// </summary>
public sealed class PhandleAllocator
{
    private uint _next = 1;

    /// <summary>Gives the node the next free phandle (its <c>phandle</c> property) and returns it.</summary>
    /// <exception cref="InvalidOperationException">The node already has a phandle, or all phandles are used.</exception>
    public uint Assign(FdtNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.GetProperty("phandle") is not null)
        {
            throw new InvalidOperationException($"device tree node {node.Path} already has a phandle");
        }
        if (_next == uint.MaxValue)
        {
            throw new InvalidOperationException("device tree: out of phandles");
        }
        uint phandle = _next++;
        node.SetU32("phandle", phandle);
        return phandle;
    }
}
