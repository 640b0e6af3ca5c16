namespace Kernel.Logic.Fs
{
    /// <summary>Linux mode bits (st_mode): the S_IFMT file type and the permission bits.</summary>
    public static class InodeMode
    {
        public const uint S_IFMT = 0xF000;
        public const uint S_IFSOCK = 0xC000;
        public const uint S_IFLNK = 0xA000;
        public const uint S_IFREG = 0x8000;
        public const uint S_IFBLK = 0x6000;
        public const uint S_IFDIR = 0x4000;
        public const uint S_IFCHR = 0x2000;
        public const uint S_IFIFO = 0x1000;
        public const uint S_ISUID = 0x800;
        public const uint S_ISGID = 0x400;
        public const uint S_ISVTX = 0x200;
        public const uint S_IRUSR = 0x100, S_IWUSR = 0x80;
        public const uint S_IXGRP = 0x8;
        /// <summary>Read, write, execute for user, group and others (0444, 0222, 0111) and all of them (0777).</summary>
        public const uint S_IRUGO = 0x124, S_IWUGO = 0x92, S_IXUGO = 0x49, S_IRWXUGO = 0x1FF;
        /// <summary>The umask a process starts with (022), as Linux's init gets it.</summary>
        public const uint DefaultUmask = 0x12;
        /// <summary>Permission and special bits: what chmod can change.</summary>
        public const uint PermissionMask = 0xFFF;

        public static bool IsDirectory(uint mode) => (mode & S_IFMT) == S_IFDIR;
        public static bool IsRegular(uint mode) => (mode & S_IFMT) == S_IFREG;
        public static bool IsSymlink(uint mode) => (mode & S_IFMT) == S_IFLNK;

        /// <summary>getdents64 d_type (DT_*) of a mode: the S_IFMT bits shifted down, as Linux defines them.</summary>
        public static byte DirentType(uint mode) => (byte)((mode & S_IFMT) >> 12);

        public const byte DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10, DT_SOCK = 12;
    }
}
