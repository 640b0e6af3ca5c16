namespace Kernel.Logic
{
    /// <summary>Linux errno values; kernel functions return them negated.</summary>
    public static class Errno
    {
        public const int ENOENT = 2;
        public const int EIO = 5;
        public const int ENOMEM = 12;
        public const int EFAULT = 14;
        public const int EBUSY = 16;
        public const int EEXIST = 17;
        public const int EINVAL = 22;
        public const int ENOSPC = 28;
        public const int ERANGE = 34;
        public const int ENOSYS = 38;
    }
}
