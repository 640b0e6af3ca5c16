using System.Buffers.Binary;
using System.Text;

namespace Kernel.Tests;

/// <summary>Copies a flattened device tree through <see cref="FdtBuilder"/>, letting a callback change or drop properties.</summary>
public static class FdtRewriter
{
    /// <summary>
    /// <paramref name="edit"/> gets (node path, property name, value) and returns the new value, or null to drop the property.
    /// </summary>
    public static byte[] Rewrite(byte[] blob, Func<string, string, byte[], byte[]?> edit)
    {
        ReadOnlySpan<byte> b = blob;
        if (BinaryPrimitives.ReadUInt32BigEndian(b) != 0xd00dfeed)
            throw new ArgumentException("not a flattened device tree", nameof(blob));
        int structOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(b[8..]);
        int stringsOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(b[12..]);
        int reservationOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(b[16..]);
        var builder = new FdtBuilder();
        for (int o = reservationOffset; ; o += 16)
        {
            ulong address = BinaryPrimitives.ReadUInt64BigEndian(b[o..]);
            ulong size = BinaryPrimitives.ReadUInt64BigEndian(b[(o + 8)..]);
            if (address == 0 && size == 0)
                break;
            builder.Reserve(address, size);
        }

        var path = new Stack<string>();
        int p = structOffset;
        while (true)
        {
            uint token = BinaryPrimitives.ReadUInt32BigEndian(b[p..]);
            p += 4;
            switch (token)
            {
                case 1: // FDT_BEGIN_NODE
                    {
                        int end = b[p..].IndexOf((byte)0);
                        string name = Encoding.ASCII.GetString(b.Slice(p, end));
                        builder.BeginNode(name);
                        path.Push(name);
                        p = (p + end + 1 + 3) & ~3;
                        break;
                    }
                case 2: // FDT_END_NODE
                    builder.EndNode();
                    path.Pop();
                    break;
                case 3: // FDT_PROP
                    {
                        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(b[p..]);
                        int nameOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(b[(p + 4)..]);
                        ReadOnlySpan<byte> names = b[(stringsOffset + nameOffset)..];
                        string name = Encoding.ASCII.GetString(names[..names.IndexOf((byte)0)]);
                        byte[] value = b.Slice(p + 8, length).ToArray();
                        string nodePath = "/" + string.Join('/', path.Reverse().Skip(1));
                        if (edit(nodePath, name, value) is { } replaced)
                            builder.Property(name, replaced);
                        p = (p + 8 + length + 3) & ~3;
                        break;
                    }
                case 4: // FDT_NOP
                    break;
                case 9: // FDT_END
                    return builder.Build();
                default:
                    throw new ArgumentException($"bad device tree token {token} at {p - 4}", nameof(blob));
            }
        }
    }
}
