using System.Buffers.Binary;
using System.Text;
using Kernel.Logic;
using Kernel.Logic.Fs;
using static Kernel.Tests.Fs.TestFs;

namespace Kernel.Tests.Fs;

/// <summary>
/// Offsets asserted here are the Linux uapi ones (include/uapi/asm-generic/stat.h for arm64's
/// struct stat, include/uapi/linux/stat.h for statx, linux_dirent64 from fs/readdir.c), checked
/// with offsetof() against the installed kernel headers, not taken from the code under test.
/// </summary>
public sealed class StatLayoutTests : IDisposable
{
    private readonly TestFs _t = new();

    public void Dispose() => _t.Dispose();

    private static ulong U64(byte[] b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at));
    private static uint U32(byte[] b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));
    private static ushort U16(byte[] b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));

    private Inode Sample()
    {
        Inode f = _t.WriteFile("f", new string('a', 5000));
        Vfs.Link(_t.Root, _t.Root, B("f"), false, _t.Root, B("g"));
        f.Uid = 1000;
        f.Gid = 100;
        f.Atime = new Timespec(1_600_000_001, 111);
        f.Mtime = new Timespec(1_600_000_002, 222);
        f.Ctime = new Timespec(1_600_000_003, 333);
        return f;
    }

    [Fact]
    public void StructStatMatchesAsmGeneric()
    {
        Inode f = Sample();
        var b = new byte[128 + 8];
        b.AsSpan().Fill(0xCC);
        Assert.Equal(0, StatLayout.WriteStat(f, b));
        Assert.Equal(f.Dev, U64(b, 0));                 // st_dev
        Assert.Equal(DeviceNumber.Make(0, 17), U64(b, 0));
        Assert.Equal(f.Ino, U64(b, 8));                 // st_ino
        Assert.Equal(0x81A4u, U32(b, 16));              // st_mode
        Assert.Equal(2u, U32(b, 20));                   // st_nlink
        Assert.Equal(1000u, U32(b, 24));                // st_uid
        Assert.Equal(100u, U32(b, 28));                 // st_gid
        Assert.Equal(0ul, U64(b, 32));                  // st_rdev
        Assert.Equal(0ul, U64(b, 40));                  // __pad1
        Assert.Equal(5000ul, U64(b, 48));               // st_size
        Assert.Equal(4096u, U32(b, 56));                // st_blksize
        Assert.Equal(0u, U32(b, 60));                   // __pad2
        Assert.Equal(16ul, U64(b, 64));                 // st_blocks: two pages in 512-byte units
        Assert.Equal(1_600_000_001ul, U64(b, 72));
        Assert.Equal(111ul, U64(b, 80));
        Assert.Equal(1_600_000_002ul, U64(b, 88));
        Assert.Equal(222ul, U64(b, 96));
        Assert.Equal(1_600_000_003ul, U64(b, 104));
        Assert.Equal(333ul, U64(b, 112));
        Assert.Equal(0ul, U64(b, 120));                 // __unused4/5
        Assert.Equal(0xCCCCCCCCCCCCCCCCul, U64(b, 128)); // nothing past 128 bytes
        Assert.Equal(-Errno.EINVAL, StatLayout.WriteStat(f, new byte[127]));
        // A device node's st_rdev uses the user-space encoding (major 4, minor 300).
        Vfs.Mknod(_t.Root, _t.Root, B("tty"), InodeMode.S_IFCHR | 0x1A4, DeviceNumber.Make(4, 300), 0, 0, out Inode? tty);
        StatLayout.WriteStat(tty!, b);
        Assert.Equal(((300ul & 0xFFFFFF00) << 12) | (4ul << 8) | (300 & 0xFF), U64(b, 32));
    }

    [Fact]
    public void StructStatxMatchesLinuxStatH()
    {
        Inode f = Sample();
        var b = new byte[256];
        b.AsSpan().Fill(0xCC);
        Assert.Equal(0, StatLayout.WriteStatx(f, b, mountId: 7));
        Assert.Equal(0x7FFu | 0x1000u, U32(b, 0));      // stx_mask: STATX_BASIC_STATS | STATX_MNT_ID
        Assert.Equal(4096u, U32(b, 4));                 // stx_blksize
        Assert.Equal(0ul, U64(b, 8));                   // stx_attributes
        Assert.Equal(2u, U32(b, 16));                   // stx_nlink
        Assert.Equal(1000u, U32(b, 20));
        Assert.Equal(100u, U32(b, 24));
        Assert.Equal((ushort)0x81A4, U16(b, 28));       // stx_mode
        Assert.Equal(f.Ino, U64(b, 32));
        Assert.Equal(5000ul, U64(b, 40));
        Assert.Equal(16ul, U64(b, 48));
        Assert.Equal(1_600_000_001ul, U64(b, 64));      // stx_atime.tv_sec
        Assert.Equal(111u, U32(b, 72));                 // stx_atime.tv_nsec
        Assert.Equal(0ul, U64(b, 80));                  // stx_btime not provided
        Assert.Equal(1_600_000_003ul, U64(b, 96));      // stx_ctime
        Assert.Equal(333u, U32(b, 104));
        Assert.Equal(1_600_000_002ul, U64(b, 112));     // stx_mtime
        Assert.Equal(222u, U32(b, 120));
        Assert.Equal(0u, U32(b, 128));                  // stx_rdev_major
        Assert.Equal(0u, U32(b, 136));                  // stx_dev_major
        Assert.Equal(17u, U32(b, 140));                 // stx_dev_minor
        Assert.Equal(7ul, U64(b, 144));                 // stx_mnt_id
        Assert.All(b[152..], x => Assert.Equal(0, x));
        Assert.Equal(-Errno.EINVAL, StatLayout.WriteStatx(f, new byte[255]));
        Vfs.Mknod(_t.Root, _t.Root, B("sda"), InodeMode.S_IFBLK | 0x1A4, DeviceNumber.Make(259, 70000), 0, 0, out Inode? dev);
        StatLayout.WriteStatx(dev!, b);
        Assert.Equal((259u, 70000u), (U32(b, 128), U32(b, 132)));
    }

    [Fact]
    public void DeviceNumbersRoundTrip()
    {
        foreach (var (ma, mi) in new[] { (0u, 0u), (1u, 3u), (4u, 64u), (8u, 255u), (8u, 256u), (4095u, 1048575u), (4096u, 0u), (0xFFFFFFFFu, 0xFFFFFFFFu) })
        {
            ulong d = DeviceNumber.Make(ma, mi);
            Assert.Equal((ma, mi), (DeviceNumber.Major(d), DeviceNumber.Minor(d)));
        }
        Assert.Equal(0x0801ul, DeviceNumber.Make(8, 1)); // what ls -l shows as 8, 1 (old_encode_dev compatible)
    }

    private record Dirent(ulong Ino, long Off, int Reclen, byte Type, string Name);

    private static List<Dirent> Parse(byte[] buf, int n)
    {
        var list = new List<Dirent>();
        int at = 0;
        while (at < n)
        {
            int reclen = U16(buf, at + 16);
            int nameEnd = Array.IndexOf(buf, (byte)0, at + 19);
            Assert.True(nameEnd < at + reclen);
            list.Add(new Dirent(U64(buf, at), (long)U64(buf, at + 8), reclen, buf[at + 18], Encoding.UTF8.GetString(buf, at + 19, nameEnd - at - 19)));
            Assert.Equal(0, reclen % 8);
            at += reclen;
        }
        Assert.Equal(n, at);
        return list;
    }

    [Fact]
    public void Getdents64RecordsAndCookies()
    {
        _t.Mkdir("d");
        _t.Mkdir("d/sub");
        Inode file = _t.WriteFile("d/file", "x");
        _t.Symlink("file", "d/link");
        string longName = new('L', 255);
        _t.WriteFile("d/" + longName, "");
        Inode d = _t.Get("d");
        var buf = new byte[4096];
        ulong cookie = 0;
        int n = StatLayout.FillDirents(d, ref cookie, buf);
        var all = Parse(buf, n);
        Assert.Equal(new[] { ".", "..", "sub", "file", "link", longName }, all.Select(e => e.Name));
        Assert.Equal(new byte[] { 4, 4, 4, 8, 10, 8 }, all.Select(e => e.Type));
        Assert.Equal(d.Ino, all[0].Ino);
        Assert.Equal(1ul, all[1].Ino);
        Assert.Equal(file.Ino, all[3].Ino);
        Assert.Equal(24, all[0].Reclen);          // 19 + 1 + NUL -> 24
        Assert.Equal(24, all[3].Reclen);          // "file": 19 + 4 + 1 = 24
        Assert.Equal(280, all[5].Reclen);         // 19 + 255 + 1 = 275 -> 280
        Assert.Equal(0, StatLayout.FillDirents(d, ref cookie, buf)); // end
        // Resume from each d_off: the rest is the same sequence.
        for (int i = 0; i < all.Count; i++)
        {
            ulong c = (ulong)all[i].Off;
            int m = StatLayout.FillDirents(d, ref c, buf);
            Assert.Equal(all.Skip(i + 1).Select(e => e.Name), Parse(buf, m).Select(e => e.Name));
        }
        // A buffer too small for the first record is EINVAL; one record at a time works.
        cookie = 0;
        Assert.Equal(-Errno.EINVAL, StatLayout.FillDirents(d, ref cookie, new byte[23]));
        Assert.Equal(0ul, cookie);
        var names = new List<string>();
        var small = new byte[300];
        int got;
        while ((got = StatLayout.FillDirents(d, ref cookie, small.AsSpan(0, names.Count == 5 ? 280 : 24))) > 0)
            names.AddRange(Parse(small, got).Select(e => e.Name));
        Assert.Equal(all.Select(e => e.Name), names);
        // Removing and adding entries while iterating: nothing is skipped or repeated.
        cookie = (ulong)all[3].Off; // after "file"
        Assert.Equal(0, _t.Unlink("d/file"));
        Assert.Equal(0, _t.Rmdir("d/sub"));
        _t.WriteFile("d/late", "");
        n = StatLayout.FillDirents(d, ref cookie, buf);
        Assert.Equal(new[] { "link", longName, "late" }, Parse(buf, n).Select(e => e.Name));
        Assert.Equal(-Errno.ENOTDIR, StatLayout.FillDirents(_t.Get("d/late"), ref cookie, buf));
    }
}
