using System.Buffers.Binary;
using System.Text;

namespace Emulator.Core.DeviceTree;

/// <summary>
/// A devicetree node: a name (with its unit address, e.g. <c>memory@40000000</c>; empty for the
/// root), properties and children, both kept in insertion order because that is the order they
/// are written in. Property and child names are unique within a node.
/// </summary>
public sealed class FdtNode
{
    private readonly List<FdtProperty> _properties = [];
    private readonly List<FdtNode> _children = [];

    /// <summary>Creates a root node (empty name).</summary>
    public FdtNode()
    {
        Name = "";
    }

    /// <summary>Creates a detached node; an empty name makes a root.</summary>
    /// <exception cref="ArgumentException">The name is not a valid node name (§2.2.1).</exception>
    public FdtNode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length != 0 && !FdtFormat.IsValidNodeName(name))
        {
            throw new ArgumentException($"invalid device tree node name {FdtFormat.Quote(name)}", nameof(name));
        }
        Name = name;
    }

    public string Name { get; }

    public FdtNode? Parent { get; private set; }

    public IReadOnlyList<FdtProperty> Properties => _properties;

    public IReadOnlyList<FdtNode> Children => _children;

    /// <summary>The full path from the root: <c>/</c> for the root, <c>/cpus/cpu@0</c> below it.</summary>
    public string Path => Parent is null ? "/" : Parent.Parent is null ? "/" + Name : Parent.Path + "/" + Name;

    /// <summary>The value of the <c>phandle</c> property, or null when the node has none.</summary>
    public uint? Phandle => GetProperty("phandle")?.AsU32();

    /// <summary>Creates a child with the given name and appends it.</summary>
    /// <exception cref="ArgumentException">The name is invalid or already used by a child.</exception>
    public FdtNode AddChild(string name)
    {
        var child = new FdtNode(name);
        AddChild(child);
        return child;
    }

    /// <summary>Appends a detached node as the last child.</summary>
    /// <exception cref="ArgumentException">The child is a root, already attached, this node's ancestor, or its name is taken.</exception>
    public FdtNode AddChild(FdtNode child)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (child.Name.Length == 0)
        {
            throw new ArgumentException("a node with an empty name is a root and cannot be a child", nameof(child));
        }
        if (child.Parent is not null)
        {
            throw new ArgumentException($"node {FdtFormat.Quote(child.Name)} already belongs to {child.Parent.Path}", nameof(child));
        }
        for (FdtNode? ancestor = this; ancestor is not null; ancestor = ancestor.Parent)
        {
            if (ReferenceEquals(ancestor, child))
            {
                throw new ArgumentException($"node {FdtFormat.Quote(child.Name)} cannot become its own descendant", nameof(child));
            }
        }
        if (GetChild(child.Name) is not null)
        {
            throw new ArgumentException($"{Path} already has a child named {FdtFormat.Quote(child.Name)}", nameof(child));
        }
        child.Parent = this;
        _children.Add(child);
        return child;
    }

    /// <summary>Returns the child with exactly this name, creating it when absent.</summary>
    public FdtNode GetOrAddChild(string name) => GetChild(name) ?? AddChild(name);

    /// <summary>The child with exactly this name, or null.</summary>
    public FdtNode? GetChild(string name)
    {
        foreach (FdtNode child in _children)
        {
            if (child.Name == name)
            {
                return child;
            }
        }
        return null;
    }

    /// <summary>Detaches the named child; false when there is none.</summary>
    public bool RemoveChild(string name)
    {
        FdtNode? child = GetChild(name);
        if (child is null)
        {
            return false;
        }
        _children.Remove(child);
        child.Parent = null;
        return true;
    }

    /// <summary>
    /// Finds a node by path, starting from this node: <c>"/"</c> is this node, <c>"/chosen"</c>
    /// its child. A component without a unit address also matches a name that has one, the
    /// first such child winning (<c>"/intc"</c> finds <c>intc@8000000</c>), as in §2.2.3. Null
    /// when nothing matches.
    /// </summary>
    public FdtNode? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FdtNode? node = this;
        foreach (string component in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node.GetChild(component) ?? (component.Contains('@') ? null : node.FindChildByBaseName(component));
            if (node is null)
            {
                return null;
            }
        }
        return node;
    }

    /// <summary>The property with this name, or null.</summary>
    public FdtProperty? GetProperty(string name)
    {
        foreach (FdtProperty property in _properties)
        {
            if (property.Name == name)
            {
                return property;
            }
        }
        return null;
    }

    /// <summary>Adds the property, or replaces the one with the same name in its current position.</summary>
    public FdtNode SetProperty(FdtProperty property)
    {
        ArgumentNullException.ThrowIfNull(property);
        for (int i = 0; i < _properties.Count; i++)
        {
            if (_properties[i].Name == property.Name)
            {
                _properties[i] = property;
                return this;
            }
        }
        _properties.Add(property);
        return this;
    }

    /// <summary>Removes the named property; false when there is none.</summary>
    public bool RemoveProperty(string name) => _properties.RemoveAll(p => p.Name == name) != 0;

    public FdtNode SetBytes(string name, ReadOnlySpan<byte> value) => SetProperty(new FdtProperty(name, value));

    /// <summary>A property with no value, used as a boolean flag (e.g. <c>interrupt-controller</c>).</summary>
    public FdtNode SetEmpty(string name) => SetProperty(new FdtProperty(name, []));

    /// <summary>Big-endian 32-bit cells.</summary>
    public FdtNode SetU32(string name, params ReadOnlySpan<uint> cells)
    {
        var value = new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(i * 4), cells[i]);
        }
        return SetProperty(FdtProperty.FromValidated(ValidatedPropertyName(name), value));
    }

    /// <summary>64-bit values, each as two big-endian cells with the most significant first.</summary>
    public FdtNode SetU64(string name, params ReadOnlySpan<ulong> values)
    {
        var value = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(value.AsSpan(i * 8), values[i]);
        }
        return SetProperty(FdtProperty.FromValidated(ValidatedPropertyName(name), value));
    }

    /// <exception cref="ArgumentException">The text contains a NUL character.</exception>
    public FdtNode SetString(string name, string text) => SetStringList(name, text);

    /// <summary>Consecutive NUL-terminated UTF-8 strings (<c>&lt;stringlist&gt;</c>).</summary>
    /// <exception cref="ArgumentException">No strings were given, or one contains a NUL character.</exception>
    public FdtNode SetStringList(string name, params ReadOnlySpan<string> strings)
    {
        ValidatedPropertyName(name);
        if (strings.Length == 0)
        {
            throw new ArgumentException($"property {FdtFormat.Quote(name)} needs at least one string", nameof(strings));
        }
        var value = new List<byte>();
        foreach (string text in strings)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(strings));
            if (text.Contains('\0'))
            {
                throw new ArgumentException($"property {FdtFormat.Quote(name)}: a string cannot contain NUL", nameof(strings));
            }
            value.AddRange(Encoding.UTF8.GetBytes(text));
            value.Add(0);
        }
        return SetProperty(FdtProperty.FromValidated(name, value.ToArray()));
    }

    public override string ToString() => Path;

    private FdtNode? FindChildByBaseName(string baseName)
    {
        foreach (FdtNode child in _children)
        {
            if (child.Name.Length > baseName.Length && child.Name[baseName.Length] == '@' && child.Name.StartsWith(baseName, StringComparison.Ordinal))
            {
                return child;
            }
        }
        return null;
    }

    private static string ValidatedPropertyName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!FdtFormat.IsValidPropertyName(name))
        {
            throw new ArgumentException($"invalid device tree property name {FdtFormat.Quote(name)}", nameof(name));
        }
        return name;
    }
}
