using System;

namespace Kernel.Logic.Fs
{
    /// <summary>
    /// Unpacking the initramfs into a file system, as Linux's init/initramfs.c does: directories,
    /// regular files, symlinks, device nodes, FIFOs, sockets and hard links (entries of one archive
    /// sharing ino/dev, the data in whichever entry carries it), with mode, owner and mtime.
    /// Missing parent directories are created (0755). An entry that cannot be created is skipped,
    /// as Linux skips it; a malformed archive gives -EINVAL and running out of memory -ENOSPC
    /// (what was unpacked before stays).
    /// </summary>
    public static class Tmpfs
    {
        private struct HardLink
        {
            public uint Ino, Major, Minor, Mode;
            public Inode Node;
        }

        private sealed class LinkTable
        {
            public HardLink[]? Items;
            public int Count;

            public Inode? Find(ref CpioEntry e)
            {
                for (int i = 0; i < Count; i++)
                {
                    ref HardLink h = ref Items![i];
                    if (h.Ino == e.Ino && h.Major == e.DevMajor && h.Minor == e.DevMinor && h.Mode == e.Mode)
                        return h.Node;
                }
                return null;
            }

            public void Add(ref CpioEntry e, Inode node)
            {
                if (Items == null || Count == Items.Length)
                {
                    var bigger = new HardLink[Items == null ? 16 : Items.Length * 2];
                    for (int i = 0; i < Count; i++)
                        bigger[i] = Items![i];
                    Owned.Free(Items);
                    Items = bigger;
                }
                node.Acquire();
                Items[Count++] = new HardLink { Ino = e.Ino, Major = e.DevMajor, Minor = e.DevMinor, Mode = e.Mode, Node = node };
            }

            public void Clear()
            {
                for (int i = 0; i < Count; i++)
                {
                    Inode node = Items![i].Node;
                    Items[i] = default;
                    node.Release();
                }
                Count = 0;
            }
        }

        /// <summary>Unpacks uncompressed newc archive(s) (concatenated, zero padding between) into <paramref name="fs"/>'s root.</summary>
        public static int Unpack(FileSystem fs, ReadOnlySpan<byte> cpio)
        {
            int rc = UnpackArchives(fs, cpio, out int consumed);
            if (rc < 0)
                return rc;
            return consumed == cpio.Length ? 0 : -Errno.EINVAL;
        }

        /// <summary>
        /// Unpacks an initramfs image: any sequence of uncompressed cpio archives and gzip members
        /// holding cpio archives, with zero padding between them (the layout Linux accepts, minus the
        /// other compressors). Each gzip member is decompressed into <paramref name="scratch"/>
        /// (see <see cref="ScratchSize"/>); a member that does not fit gives -EINVAL.
        /// </summary>
        public static int UnpackImage(FileSystem fs, ReadOnlySpan<byte> image, Span<byte> scratch)
        {
            int pos = 0;
            while (pos < image.Length)
            {
                if (image[pos] == 0)
                {
                    pos++;
                    continue;
                }
                ReadOnlySpan<byte> rest = image.Slice(pos);
                int rc;
                if (Gzip.IsGzip(rest))
                {
                    rc = Gzip.DecompressMember(rest, scratch, out int written, out int used);
                    if (rc < 0)
                        return rc;
                    rc = UnpackArchives(fs, scratch.Slice(0, written), out int consumed);
                    if (rc < 0)
                        return rc;
                    if (consumed != written)
                        return -Errno.EINVAL; // junk inside the compressed data
                    pos += used;
                }
                else
                {
                    rc = UnpackArchives(fs, rest, out int consumed);
                    if (rc < 0)
                        return rc;
                    if (consumed == 0)
                        return -Errno.EINVAL;
                    pos += consumed;
                }
            }
            return 0;
        }

        /// <summary>
        /// Scratch bytes <see cref="UnpackImage"/> needs: 0 without compression, else the largest
        /// uncompressed size of the image's gzip members, wherever they are (each member is decoded
        /// once without keeping its output to find where it ends, so compressed and uncompressed
        /// archives may come in any order, as Linux accepts them). -EINVAL if some part of the image
        /// is neither cpio nor gzip.
        /// </summary>
        public static int ScratchSize(ReadOnlySpan<byte> image)
        {
            int pos = 0;
            int largest = 0;
            while (pos < image.Length)
            {
                if (image[pos] == 0)
                {
                    pos++;
                    continue;
                }
                ReadOnlySpan<byte> rest = image.Slice(pos);
                if (Gzip.IsGzip(rest))
                {
                    int rc = Gzip.MeasureMember(rest, out int size, out int used);
                    if (rc < 0)
                        return rc;
                    if (size > largest)
                        largest = size;
                    pos += used;
                }
                else
                {
                    var reader = new CpioReader(rest);
                    int rc;
                    while ((rc = reader.Next(out _)) == 1) { }
                    if (rc < 0)
                        return rc;
                    if (reader.Offset == 0)
                        return -Errno.EINVAL;
                    pos += reader.Offset;
                }
            }
            return largest;
        }

        // Unpacks the archives at the start of `data`; `consumed` is where the reader stopped.
        private static int UnpackArchives(FileSystem fs, ReadOnlySpan<byte> data, out int consumed)
        {
            consumed = 0;
            Inode root = fs.Root;
            var links = new LinkTable();
            var reader = new CpioReader(data);
            int archives = 0;
            int rc;
            while ((rc = reader.Next(out CpioEntry e)) == 1)
            {
                if (reader.Archives != archives)
                {
                    links.Clear(); // hard-link groups do not span archives
                    archives = reader.Archives;
                }
                rc = UnpackEntry(root, ref e, links);
                if (rc == -Errno.ENOSPC || rc == -Errno.ENOMEM)
                    break;
                rc = 0;
            }
            links.Clear();
            Owned.Free(links.Items);
            Owned.Free(links);
            if (rc < 0)
                return rc;
            consumed = reader.Offset;
            // Directory times last: adding entries changed them (Linux defers them the same way).
            var again = new CpioReader(data.Slice(0, consumed));
            while (again.Next(out CpioEntry e) == 1)
            {
                if (!InodeMode.IsDirectory(e.Mode) || e.Name.Length == 0)
                    continue;
                if (Vfs.Resolve(root, root, e.Name, Vfs.NoFollow, out Inode? dir) == 0 && dir!.IsDirectory)
                {
                    dir.Mtime = new Timespec(e.Mtime, 0);
                    dir.Atime = dir.Mtime;
                }
            }
            return 0;
        }

        private static int UnpackEntry(Inode root, ref CpioEntry e, LinkTable links)
        {
            ReadOnlySpan<byte> name = e.Name;
            if (name.Length == 0 || name.Length >= Vfs.PathMax)
                return -Errno.ENAMETOOLONG;
            uint type = e.Mode & InodeMode.S_IFMT;
            uint bits = e.Mode & InodeMode.PermissionMask;
            Inode? node;
            int rc;
            switch (type)
            {
                case InodeMode.S_IFDIR:
                    rc = Retry(root, name, Vfs.Mkdir(root, root, name, bits, e.Uid, e.Gid, out node));
                    if (rc == 1)
                        rc = Vfs.Mkdir(root, root, name, bits, e.Uid, e.Gid, out node);
                    if (rc == -Errno.EEXIST)
                    {
                        rc = Vfs.Resolve(root, root, name, 0, out node);
                        if (rc == 0 && !node!.IsDirectory)
                        {
                            // A non-directory is in the way: replace it.
                            Vfs.Unlink(root, root, name);
                            rc = Vfs.Mkdir(root, root, name, bits, e.Uid, e.Gid, out node);
                        }
                    }
                    break;
                case InodeMode.S_IFREG:
                    return UnpackFile(root, ref e, links, bits);
                case InodeMode.S_IFLNK:
                    CleanPath(root, name, 0);
                    rc = Retry(root, name, Vfs.Symlink(root, root, e.Data, name, e.Uid, e.Gid, out node));
                    if (rc == 1)
                        rc = Vfs.Symlink(root, root, e.Data, name, e.Uid, e.Gid, out node);
                    break;
                case InodeMode.S_IFCHR:
                case InodeMode.S_IFBLK:
                case InodeMode.S_IFIFO:
                case InodeMode.S_IFSOCK:
                    CleanPath(root, name, 0);
                    ulong rdev = type == InodeMode.S_IFCHR || type == InodeMode.S_IFBLK ? DeviceNumber.Make(e.RdevMajor, e.RdevMinor) : 0;
                    rc = Retry(root, name, Vfs.Mknod(root, root, name, type | bits, rdev, e.Uid, e.Gid, out node));
                    if (rc == 1)
                        rc = Vfs.Mknod(root, root, name, type | bits, rdev, e.Uid, e.Gid, out node);
                    break;
                default:
                    return -Errno.EINVAL; // unknown type: skipped
            }
            if (rc < 0)
                return rc;
            SetAttributes(node!, type | bits, ref e);
            return 0;
        }

        // After a failed create: 1 (retry) when missing parents could be made, else the result as is.
        private static int Retry(Inode root, ReadOnlySpan<byte> name, int rc)
        {
            if (rc != -Errno.ENOENT)
                return rc;
            return MakeParents(root, name) ? 1 : rc;
        }

        private static int UnpackFile(Inode root, ref CpioEntry e, LinkTable links, uint bits)
        {
            ReadOnlySpan<byte> name = e.Name;
            Inode? node = null;
            int rc;
            Inode? first = e.Nlink >= 2 ? links.Find(ref e) : null;
            if (first != null)
            {
                // Another name of a file this archive already made.
                if (Vfs.Resolve(root, root, name, Vfs.NoFollow, out Inode? there) == 0 && there == first)
                    node = first;
                else
                {
                    CleanPath(root, name, 0);
                    rc = Retry(root, name, Vfs.LinkInode(first, root, root, name));
                    if (rc == 1)
                        rc = Vfs.LinkInode(first, root, root, name);
                    if (rc < 0)
                        return rc;
                    node = first;
                }
            }
            else
            {
                CleanPath(root, name, InodeMode.S_IFREG);
                rc = Retry(root, name, Vfs.Create(root, root, name, bits, Vfs.NoFollow, e.Uid, e.Gid, out node, out _));
                if (rc == 1)
                    rc = Vfs.Create(root, root, name, bits, Vfs.NoFollow, e.Uid, e.Gid, out node, out _);
                if (rc < 0)
                    return rc;
                rc = node!.Truncate(0);
                if (rc < 0)
                    return rc;
                if (e.Nlink >= 2)
                    links.Add(ref e, node);
            }
            if (e.Data.Length > 0)
            {
                long w = node!.Write(0, e.Data);
                if (w != e.Data.Length)
                    return w < 0 ? (int)w : -Errno.ENOSPC;
            }
            SetAttributes(node!, InodeMode.S_IFREG | bits, ref e);
            return 0;
        }

        private static void SetAttributes(Inode node, uint mode, ref CpioEntry e)
        {
            node.Mode = mode;
            node.Uid = e.Uid;
            node.Gid = e.Gid;
            node.Mtime = new Timespec(e.Mtime, 0);
            node.Atime = node.Mtime;
        }

        // Removes what is at `name` unless it already has type `keepType` (0: remove anything but a directory with entries).
        private static void CleanPath(Inode root, ReadOnlySpan<byte> name, uint keepType)
        {
            if (Vfs.Resolve(root, root, name, Vfs.NoFollow, out Inode? node) != 0)
                return;
            if (keepType != 0 && node!.Type == keepType)
                return;
            if (node!.IsDirectory)
                Vfs.Rmdir(root, root, name);
            else
                Vfs.Unlink(root, root, name);
        }

        // Creates each missing directory on the way to `name` (mode 0755, root-owned); false if none could be made.
        private static bool MakeParents(Inode root, ReadOnlySpan<byte> name)
        {
            int end = name.Length;
            while (end > 0 && name[end - 1] == '/')
                end--;
            while (end > 0 && name[end - 1] != '/')
                end--;
            bool made = false;
            for (int i = 1; i < end; i++)
            {
                if (name[i] != '/' || name[i - 1] == '/')
                    continue;
                int rc = Vfs.Mkdir(root, root, name.Slice(0, i), 0x1ED, 0, 0, out _);
                if (rc == 0)
                    made = true;
                else if (rc != -Errno.EEXIST)
                    return false;
            }
            return made;
        }
    }
}
