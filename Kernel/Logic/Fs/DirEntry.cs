using System;

namespace Kernel.Logic.Fs
{
    /// <summary>One directory entry as <see cref="Inode.ReadDir"/> returns it.</summary>
    public unsafe struct DirEntry
    {
        public const int NameMax = 255;

        public ulong Ino;
        /// <summary>The cookie that continues after this entry (getdents d_off).</summary>
        public ulong NextCookie;
        /// <summary>DT_* type (<see cref="InodeMode.DirentType"/>).</summary>
        public byte Type;
        public int NameLength;
        public fixed byte Name[NameMax + 1];

        /// <summary>Stores <paramref name="name"/> (at most 255 bytes); false if it is longer.</summary>
        public bool SetName(ReadOnlySpan<byte> name)
        {
            if (name.Length > NameMax)
                return false;
            fixed (byte* p = Name)
            {
                for (int i = 0; i < name.Length; i++)
                    p[i] = name[i];
                p[name.Length] = 0;
            }
            NameLength = name.Length;
            return true;
        }
    }
}
