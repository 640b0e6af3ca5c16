namespace Kernel.Logic.Fs
{
    /// <summary>
    /// A tmpfs character or block device, FIFO or socket: only the type and <see cref="Inode.Rdev"/>;
    /// the kernel supplies the behaviour when it opens one (reads and writes here give -EINVAL).
    /// </summary>
    public sealed class TmpSpecial : Inode
    {
    }
}
