using System;

namespace Kernel.Logic.Fs
{
    /// <summary>A tmpfs symbolic link: the target bytes in an array it owns (Size = their count).</summary>
    public sealed class TmpSymlink : Inode
    {
        private byte[]? _target;

        public TmpSymlink(ReadOnlySpan<byte> target)
        {
            _target = new byte[target.Length];
            for (int i = 0; i < target.Length; i++)
                _target[i] = target[i];
        }

        /// <summary>The target, valid while the link lives.</summary>
        public ReadOnlySpan<byte> Target => _target;

        internal byte[] TargetArray => _target!;

        public override int ReadLink(Span<byte> dst)
        {
            byte[] t = _target!;
            int n = t.Length < dst.Length ? t.Length : dst.Length;
            for (int i = 0; i < n; i++)
                dst[i] = t[i];
            return n;
        }

        protected override void FreeStorage()
        {
            Owned.Free(_target);
            _target = null;
        }
    }
}
