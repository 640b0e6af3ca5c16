namespace Kernel.Fs
{
    /// <summary>Open-file flags and poll bits (Linux values on arm64).</summary>
    public static class OpenFlags
    {
        public const int ReadOnly = 0, WriteOnly = 1, ReadWrite = 2, AccessMode = 3;
        public const int Create = 0x40, Exclusive = 0x80, NoCtty = 0x100, Truncate = 0x200, Append = 0x400;
        public const int NonBlock = 0x800, Directory = 0x4000, NoFollow = 0x8000, CloseOnExec = 0x80000, Path = 0x200000;
        public const int StatusFlags = Append | NonBlock;

        public const int PollIn = 1, PollPri = 2, PollOut = 4, PollErr = 8, PollHup = 0x10, PollNval = 0x20;
        public const int PollRdNorm = 0x40, PollWrNorm = 0x100;
    }
}
