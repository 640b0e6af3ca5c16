using Kernel.Logic;
using Kernel.Logic.Block;

namespace Kernel.Tests.Fs.Ext2;

/// <summary>An <see cref="IBlockDevice"/> over a byte array (a disk image in memory), counting requests.</summary>
internal sealed class MemoryDisk : IBlockDevice
{
    public readonly byte[] Bytes;
    public int Reads, Writes, Flushes;
    /// <summary>When set, writes fail with EIO (a dying disk).</summary>
    public bool FailWrites { get; set; }

    public MemoryDisk(byte[] bytes, bool readOnly = false)
    {
        Bytes = bytes;
        ReadOnly = readOnly;
    }

    public ulong SectorCount => (ulong)Bytes.Length / 512;
    public bool ReadOnly { get; }

    public int Read(ulong sector, Span<byte> buffer)
    {
        if (buffer.Length % 512 != 0 || sector * 512 + (ulong)buffer.Length > (ulong)Bytes.Length)
            return -Errno.EINVAL;
        Reads++;
        Bytes.AsSpan((int)(sector * 512), buffer.Length).CopyTo(buffer);
        return 0;
    }

    public int Write(ulong sector, ReadOnlySpan<byte> buffer)
    {
        if (ReadOnly)
            return -Errno.EROFS;
        if (FailWrites)
            return -Errno.EIO;
        if (buffer.Length % 512 != 0 || sector * 512 + (ulong)buffer.Length > (ulong)Bytes.Length)
            return -Errno.EINVAL;
        Writes++;
        buffer.CopyTo(Bytes.AsSpan((int)(sector * 512), buffer.Length));
        return 0;
    }

    public int Flush()
    {
        Flushes++;
        return 0;
    }
}
