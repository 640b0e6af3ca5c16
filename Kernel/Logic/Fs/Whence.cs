namespace Kernel.Logic.Fs
{
    /// <summary>lseek's whence values (include/uapi/linux/fs.h).</summary>
    public static class Whence
    {
        public const int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
        public const int SEEK_MAX = SEEK_HOLE;
    }
}
