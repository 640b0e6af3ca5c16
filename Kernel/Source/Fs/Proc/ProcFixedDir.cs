using System;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Processes;

namespace Kernel.Fs.Proc
{
    /// <summary>A directory with a fixed list of children (kept for its lifetime).</summary>
    public abstract class ProcFixedDir : Inode
    {
        private Inode?[] _children = new Inode?[16];
        private byte[][] _names = new byte[16][];
        private int _count;

        protected void Add(ReadOnlySpan<byte> name, Inode child)
        {
            Fs!.InitInode(child, child.Mode, Uid, Gid);
            child.Nlink = 1;
            byte[] n = new byte[name.Length];
            name.CopyTo(n);
            _names[_count] = n;
            _children[_count] = child;
            _count++;
        }

        protected void AddFile(ReadOnlySpan<byte> name, ProcContent content, Process? process)
            => Add(name, new ProcFile(content, process) { Mode = InodeMode.S_IFREG | InodeMode.S_IRUGO });

        protected int LookupFixed(ReadOnlySpan<byte> name, out Inode? node)
        {
            for (int i = 0; i < _count; i++)
            {
                if (Bytes.Equal(_names[i], name))
                {
                    node = _children[i];
                    return 0;
                }
            }
            node = null;
            return -Errno.ENOENT;
        }

        /// <summary>Entries with cookies 2 .. 2+count-1.</summary>
        protected int ReadFixed(ulong cookie, ref DirEntry entry)
        {
            ulong index = cookie < 2 ? 0 : cookie - 2;
            if (index >= (ulong)_count)
                return 0;
            Inode child = _children[index]!;
            entry.Ino = child.Ino;
            entry.Type = InodeMode.DirentType(child.Mode);
            entry.NextCookie = cookie < 2 ? 3 : cookie + 1;
            entry.SetName(_names[index]);
            return 1;
        }

        protected int FixedCount => _count;

        public override int Lookup(ReadOnlySpan<byte> name, out Inode? node) => LookupFixed(name, out node);
        public override int ReadDir(ulong cookie, ref DirEntry entry) => ReadFixed(cookie, ref entry);

        /// <summary>Cuts the children loose (each is freed when its last holder lets go).</summary>
        protected void ReleaseChildren()
        {
            for (int i = 0; i < _count; i++)
            {
                Inode child = _children[i]!;
                _children[i] = null;
                Owned.Free(_names[i]);
                if (child is ProcFile f)
                {
                    f.Process = null;
                    f.Thread = null;
                }
                if (child is ProcLink l) l.Process = null;
                if (child is ProcFdDir d) d.Detach();
                if (child is ProcTaskDir t) t.Detach();
                child.Nlink = 0;
                child.FreeIfUnused();
            }
            _count = 0;
        }

        protected override void FreeStorage()
        {
            ReleaseChildren();
            Owned.Free(_children);
            Owned.Free(_names);
        }
    }
}
