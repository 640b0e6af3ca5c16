namespace Kernel.Logic.Fs
{
    /// <summary>The fields of struct statfs a file system fills (the syscall layer adds f_type, f_fsid, f_flags).</summary>
    public struct StatFsInfo
    {
        /// <summary>EXT2_SUPER_MAGIC 0xEF53 for ext2/3/4.</summary>
        public ulong Type;
        public ulong BlockSize;
        public ulong Blocks;
        public ulong BlocksFree;
        /// <summary>Free blocks an unprivileged user may take (free minus the reserved blocks).</summary>
        public ulong BlocksAvailable;
        public ulong Files;
        public ulong FilesFree;
        public ulong NameMax;
        public bool ReadOnly;
    }
}
