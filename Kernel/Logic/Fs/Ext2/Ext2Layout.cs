namespace Kernel.Logic.Fs.Ext2
{
    /// <summary>
    /// On-disk constants of ext2/ext4 (byte offsets in the superblock, group descriptor, inode and
    /// extent records; feature bits), named after the fields of the ext4 disk-layout document.
    /// </summary>
    public static class Ext2Layout
    {
        public const ushort Magic = 0xEF53;
        public const int SuperblockOffset = 1024, SuperblockSize = 1024;

        // Superblock fields.
        public const int SInodesCount = 0x00, SBlocksCountLo = 0x04, SRBlocksCountLo = 0x08, SFreeBlocksCountLo = 0x0C,
            SFreeInodesCount = 0x10, SFirstDataBlock = 0x14, SLogBlockSize = 0x18, SBlocksPerGroup = 0x20,
            SInodesPerGroup = 0x28, SMtime = 0x2C, SWtime = 0x30, SMntCount = 0x34, SMagic = 0x38, SState = 0x3A,
            SRevLevel = 0x4C, SFirstIno = 0x54, SInodeSize = 0x58, SFeatureCompat = 0x5C, SFeatureIncompat = 0x60,
            SFeatureRoCompat = 0x64, SUuid = 0x68, SDescSize = 0xFE, SBlocksCountHi = 0x150, SRBlocksCountHi = 0x154,
            SFreeBlocksCountHi = 0x158, SChecksumType = 0x175, SChecksumSeed = 0x270, SChecksum = 0x3FC;

        public const ushort StateValid = 1, StateErrors = 2;

        // Feature bits.
        public const uint CompatDirIndex = 0x20;
        public const uint IncompatFiletype = 0x2, IncompatRecover = 0x4, IncompatJournalDev = 0x8, IncompatMetaBg = 0x10,
            IncompatExtents = 0x40, Incompat64Bit = 0x80, IncompatMmp = 0x100, IncompatFlexBg = 0x200,
            IncompatCsumSeed = 0x2000, IncompatLargeDir = 0x4000, IncompatInlineData = 0x8000;
        public const uint RoCompatSparseSuper = 0x1, RoCompatLargeFile = 0x2, RoCompatBtreeDir = 0x4, RoCompatHugeFile = 0x8,
            RoCompatGdtCsum = 0x10, RoCompatDirNlink = 0x20, RoCompatExtraIsize = 0x40, RoCompatMetadataCsum = 0x400;

        /// <summary>What this driver reads and writes (ext2 with the file type feature).</summary>
        public const uint IncompatReadWrite = IncompatFiletype;
        public const uint RoCompatReadWrite = RoCompatSparseSuper | RoCompatLargeFile;
        /// <summary>What it reads (ext4 as Debian's mke2fs makes it). A journal needing recovery is refused separately.</summary>
        public const uint IncompatReadOnly = IncompatFiletype | IncompatRecover | IncompatExtents | Incompat64Bit | IncompatFlexBg
            | IncompatCsumSeed | IncompatLargeDir;

        // Group descriptor fields (32 bytes; the _hi halves at +0x20 with 64bit).
        public const int GBlockBitmap = 0x00, GInodeBitmap = 0x04, GInodeTable = 0x08, GFreeBlocks = 0x0C, GFreeInodes = 0x0E,
            GUsedDirs = 0x10, GFlags = 0x12, GChecksum = 0x1E, GHi = 0x20;

        // Inode fields.
        public const int IMode = 0x00, IUid = 0x02, ISizeLo = 0x04, IAtime = 0x08, ICtime = 0x0C, IMtime = 0x10, IDtime = 0x14,
            IGid = 0x18, ILinks = 0x1A, IBlocksLo = 0x1C, IFlags = 0x20, IBlock = 0x28, IGeneration = 0x64, IFileAcl = 0x68,
            ISizeHigh = 0x6C, IBlocksHi = 0x74, IFileAclHi = 0x76, IUidHigh = 0x78, IGidHigh = 0x7A, IChecksumLo = 0x7C,
            IExtraIsize = 0x80, IChecksumHi = 0x82, ICtimeExtra = 0x84, IMtimeExtra = 0x88, IAtimeExtra = 0x8C;
        public const int GoodOldInodeSize = 128, BlockPointers = 15, DirectBlocks = 12, InlineBytes = 60;

        // Inode flags.
        public const uint FlagIndex = 0x1000, FlagHugeFile = 0x40000, FlagExtents = 0x80000, FlagInlineData = 0x10000000;

        // Reserved inodes.
        public const uint RootIno = 2, GoodOldFirstIno = 11;

        // Extents.
        public const ushort ExtentMagic = 0xF30A;
        public const int ExtentHeaderSize = 12, ExtentEntrySize = 12, MaxExtentDepth = 5;

        // Directory entries.
        public const int DirentHeader = 8, DirTailSize = 12;
        public const byte DirTailFileType = 0xDE;

        /// <summary>Directory entry file type (filetype feature) of an S_IFMT mode.</summary>
        public static byte FileTypeOf(uint mode)
        {
            switch (mode & InodeMode.S_IFMT)
            {
                case InodeMode.S_IFREG: return 1;
                case InodeMode.S_IFDIR: return 2;
                case InodeMode.S_IFCHR: return 3;
                case InodeMode.S_IFBLK: return 4;
                case InodeMode.S_IFIFO: return 5;
                case InodeMode.S_IFSOCK: return 6;
                case InodeMode.S_IFLNK: return 7;
                default: return 0;
            }
        }

        /// <summary>getdents DT_* of a directory entry file type (DT_UNKNOWN for anything else).</summary>
        public static byte DirentTypeOf(byte fileType)
        {
            switch (fileType)
            {
                case 1: return InodeMode.DT_REG;
                case 2: return InodeMode.DT_DIR;
                case 3: return InodeMode.DT_CHR;
                case 4: return InodeMode.DT_BLK;
                case 5: return InodeMode.DT_FIFO;
                case 6: return InodeMode.DT_SOCK;
                case 7: return InodeMode.DT_LNK;
                default: return InodeMode.DT_UNKNOWN;
            }
        }
    }
}
