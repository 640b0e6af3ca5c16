using System;

namespace Kernel.Logic.Fs
{
    /// <summary>
    /// The syscall structures, written little-endian into caller buffers: AArch64's
    /// <c>struct stat</c> (asm-generic, 128 bytes), <c>struct statx</c> (256 bytes) and
    /// <c>linux_dirent64</c> records.
    /// </summary>
    public static class StatLayout
    {
        public const int StatSize = 128;
        public const int StatxSize = 256;
        public const int BlockSize = 4096;

        // struct stat offsets (include/uapi/asm-generic/stat.h, 64-bit).
        public const int StDev = 0, StIno = 8, StMode = 16, StNlink = 20, StUid = 24, StGid = 28, StRdev = 32,
            StSize = 48, StBlksize = 56, StBlocks = 64, StAtime = 72, StAtimeNsec = 80, StMtime = 88, StMtimeNsec = 96,
            StCtime = 104, StCtimeNsec = 112;

        // struct statx offsets (include/uapi/linux/stat.h); a statx_timestamp is {s64 sec; u32 nsec; s32 pad}.
        public const int StxMask = 0, StxBlksize = 4, StxAttributes = 8, StxNlink = 16, StxUid = 20, StxGid = 24,
            StxMode = 28, StxIno = 32, StxSize = 40, StxBlocks = 48, StxAttributesMask = 56, StxAtime = 64,
            StxBtime = 80, StxCtime = 96, StxMtime = 112, StxRdevMajor = 128, StxRdevMinor = 132,
            StxDevMajor = 136, StxDevMinor = 140, StxMntId = 144;

        public const uint STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_NLINK = 0x4, STATX_UID = 0x8, STATX_GID = 0x10,
            STATX_ATIME = 0x20, STATX_MTIME = 0x40, STATX_CTIME = 0x80, STATX_INO = 0x100, STATX_SIZE = 0x200,
            STATX_BLOCKS = 0x400, STATX_BASIC_STATS = 0x7FF, STATX_BTIME = 0x800, STATX_MNT_ID = 0x1000;

        // linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
        public const int DirentIno = 0, DirentOff = 8, DirentReclen = 16, DirentType = 18, DirentName = 19;

        /// <summary>
        /// Fills a 128-byte struct stat for a file outside any file system (a pipe, an epoll instance, a
        /// device opened before /dev existed): what fstat shows of it, without owner or times.
        /// -EINVAL if <paramref name="dst"/> is shorter.
        /// </summary>
        public static int WriteStat(Span<byte> dst, ulong dev, ulong ino, uint mode, ulong rdev)
        {
            if (dst.Length < StatSize)
                return -Errno.EINVAL;
            Span<byte> b = dst.Slice(0, StatSize);
            b.Clear();
            LittleEndian.Put64(b, StDev, dev);
            LittleEndian.Put64(b, StIno, ino);
            LittleEndian.Put32(b, StMode, mode);
            LittleEndian.Put32(b, StNlink, 1);
            LittleEndian.Put64(b, StRdev, rdev);
            LittleEndian.Put32(b, StBlksize, BlockSize);
            return 0;
        }

        /// <summary>Fills a 128-byte struct stat; -EINVAL if <paramref name="dst"/> is shorter.</summary>
        public static int WriteStat(Inode node, Span<byte> dst)
        {
            if (dst.Length < StatSize)
                return -Errno.EINVAL;
            Span<byte> b = dst.Slice(0, StatSize);
            b.Clear();
            LittleEndian.Put64(b, StDev, node.Dev);
            LittleEndian.Put64(b, StIno, node.Ino);
            LittleEndian.Put32(b, StMode, node.Mode);
            LittleEndian.Put32(b, StNlink, node.Nlink);
            LittleEndian.Put32(b, StUid, node.Uid);
            LittleEndian.Put32(b, StGid, node.Gid);
            LittleEndian.Put64(b, StRdev, node.Rdev);
            LittleEndian.Put64(b, StSize, node.Size);
            LittleEndian.Put32(b, StBlksize, BlockSize);
            LittleEndian.Put64(b, StBlocks, node.Blocks);
            LittleEndian.Put64(b, StAtime, (ulong)node.Atime.Sec);
            LittleEndian.Put64(b, StAtimeNsec, (ulong)node.Atime.Nsec);
            LittleEndian.Put64(b, StMtime, (ulong)node.Mtime.Sec);
            LittleEndian.Put64(b, StMtimeNsec, (ulong)node.Mtime.Nsec);
            LittleEndian.Put64(b, StCtime, (ulong)node.Ctime.Sec);
            LittleEndian.Put64(b, StCtimeNsec, (ulong)node.Ctime.Nsec);
            return 0;
        }

        private static void PutTimestamp(Span<byte> b, int at, Timespec t)
        {
            LittleEndian.Put64(b, at, (ulong)t.Sec);
            LittleEndian.Put32(b, at + 8, (uint)t.Nsec);
        }

        /// <summary>
        /// Fills a 256-byte struct statx with the basic stats (stx_mask = STATX_BASIC_STATS, whatever
        /// was requested: Linux may return more than asked) and stx_mnt_id = <paramref name="mountId"/>
        /// (STATX_MNT_ID). -EINVAL if <paramref name="dst"/> is shorter.
        /// </summary>
        public static int WriteStatx(Inode node, Span<byte> dst, ulong mountId = 0)
        {
            if (dst.Length < StatxSize)
                return -Errno.EINVAL;
            Span<byte> b = dst.Slice(0, StatxSize);
            b.Clear();
            LittleEndian.Put32(b, StxMask, STATX_BASIC_STATS | STATX_MNT_ID);
            LittleEndian.Put32(b, StxBlksize, BlockSize);
            LittleEndian.Put32(b, StxNlink, node.Nlink);
            LittleEndian.Put32(b, StxUid, node.Uid);
            LittleEndian.Put32(b, StxGid, node.Gid);
            LittleEndian.Put16(b, StxMode, (ushort)node.Mode);
            LittleEndian.Put64(b, StxIno, node.Ino);
            LittleEndian.Put64(b, StxSize, node.Size);
            LittleEndian.Put64(b, StxBlocks, node.Blocks);
            PutTimestamp(b, StxAtime, node.Atime);
            PutTimestamp(b, StxCtime, node.Ctime);
            PutTimestamp(b, StxMtime, node.Mtime);
            LittleEndian.Put32(b, StxRdevMajor, DeviceNumber.Major(node.Rdev));
            LittleEndian.Put32(b, StxRdevMinor, DeviceNumber.Minor(node.Rdev));
            LittleEndian.Put32(b, StxDevMajor, DeviceNumber.Major(node.Dev));
            LittleEndian.Put32(b, StxDevMinor, DeviceNumber.Minor(node.Dev));
            LittleEndian.Put64(b, StxMntId, mountId);
            return 0;
        }

        /// <summary>d_reclen of a record for a name of <paramref name="nameLength"/> bytes (header, name, NUL, 8-aligned).</summary>
        public static int DirentSize(int nameLength) => (DirentName + nameLength + 1 + 7) & ~7;

        /// <summary>
        /// getdents64: fills <paramref name="buffer"/> with records of <paramref name="dir"/> starting at
        /// <paramref name="cookie"/> (the file position) and advances it past the records written.
        /// Returns the bytes written (0 at the end), -EINVAL if not even the first record fits, or the
        /// directory's error (ENOTDIR, ENOENT for a removed directory).
        /// </summary>
        public static unsafe int FillDirents(Inode dir, ref ulong cookie, Span<byte> buffer)
        {
            DirEntry entry = default;
            int used = 0;
            for (; ; )
            {
                int rc = Vfs.ReadDir(dir, cookie, ref entry);
                if (rc < 0)
                    return used > 0 ? used : rc;
                if (rc == 0)
                    return used;
                int size = DirentSize(entry.NameLength);
                if (size > buffer.Length - used)
                    return used > 0 ? used : -Errno.EINVAL;
                Span<byte> r = buffer.Slice(used, size);
                r.Clear();
                LittleEndian.Put64(r, DirentIno, entry.Ino);
                LittleEndian.Put64(r, DirentOff, entry.NextCookie);
                LittleEndian.Put16(r, DirentReclen, (ushort)size);
                r[DirentType] = entry.Type;
                for (int i = 0; i < entry.NameLength; i++)
                    r[DirentName + i] = entry.Name[i];
                used += size;
                cookie = entry.NextCookie;
            }
        }
    }
}
