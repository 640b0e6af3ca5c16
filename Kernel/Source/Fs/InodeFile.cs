using System;
using Kernel.Logic.Fs;
using Kernel.Logic.Tty;
using Kernel.Logic;
using Kernel.Memory;

namespace Kernel.Fs
{
    /// <summary>An open regular file, directory or (O_PATH) any inode of a file system.</summary>
    public sealed class InodeFile : OpenFile
    {
        private InodePages? _pages;

        public InodeFile(Inode node, int flags)
        {
            Node = node;
            Flags = flags;
            node.Acquire();
        }

        public override bool IsStream => false;

        /// <summary>fsync/fdatasync: a disk file's data and metadata written back and the disk flushed (tmpfs: nothing to do).</summary>
        public override int Sync() => Node!.Fs?.Operations is Logic.Fs.FileSystemOperations ops ? ops.FsyncInode(Node) : 0;
        public override long Size => (long)Node!.Size;

        private bool IsPathOnly => (Flags & OpenFlags.Path) != 0;

        public override long Read(Span<byte> destination) => ReadAtOffset(destination);

        public override long Write(ReadOnlySpan<byte> source)
        {
            if ((Flags & OpenFlags.Append) != 0)
                Offset = (long)Node!.Size;
            return WriteAtOffset(source);
        }

        public override long ReadAt(Span<byte> destination, long offset)
        {
            if (IsPathOnly)
                return -Errno.EBADF;
            if (Node!.IsDirectory)
                return -Errno.EISDIR;
            return Node.Read((ulong)offset, destination);
        }

        public override long WriteAt(ReadOnlySpan<byte> source, long offset)
        {
            if (IsPathOnly)
                return -Errno.EBADF;
            if (Node!.IsDirectory)
                return -Errno.EISDIR;
            if (source.Length == 0)
                return 0;
            long n = Node.Write((ulong)offset, source);
            if (n > 0)
                Node.TouchModified();
            return n;
        }

        public override long Seek(long offset, int whence)
        {
            if (IsPathOnly)
                return -Errno.EBADF;
            long target;
            long size = (long)Node!.Size;
            switch (whence)
            {
                case Whence.SEEK_SET: target = offset; break;
                case Whence.SEEK_CUR: target = Offset + offset; break;
                case Whence.SEEK_END: target = size + offset; break;
                case Whence.SEEK_DATA:
                    if (offset >= size) return -Errno.ENXIO;
                    target = offset;
                    break;
                case Whence.SEEK_HOLE:
                    if (offset >= size) return -Errno.ENXIO;
                    target = size;
                    break;
                default: return -Errno.EINVAL;
            }
            if (target < 0)
                return -Errno.EINVAL;
            Offset = target;
            return target;
        }

        public override int Poll() => OpenFlags.PollIn | OpenFlags.PollOut | OpenFlags.PollRdNorm | OpenFlags.PollWrNorm;

        public override int Ioctl(uint command, ulong argument)
        {
            if (command == TtyIoctl.FIONREAD && Node!.IsRegular)
            {
                long left = (long)Node.Size - Offset;
                return UserMemory.Write(argument, (int)(left > 0 ? left : 0));
            }
            return -Errno.ENOTTY;
        }

        public override PageSource? Pages
        {
            get
            {
                if (!Node!.IsRegular || IsPathOnly)
                    return null;
                return _pages ??= new InodePages(Node);
            }
        }

        protected override void Closed()
        {
            if (_pages != null)
            {
                _pages.Drop(); // the file's own reference
                _pages = null;
            }
            base.Closed();
        }
    }
}
