using System;
using Kernel.Arch;
using Kernel.Logic;
using Kernel.Logic.Process;
using Kernel.Threading;

namespace Kernel.Fs
{
    /// <summary>struct stat (asm-generic, 128 bytes) for files that are not in a file system.</summary>
    public static class StatWriter
    {
        public static int Fill(Span<byte> st, ulong dev, ulong ino, uint mode, uint nlink, ulong rdev, long size)
        {
            st.Slice(0, 128).Clear();
            Put64(st, 0, dev);
            Put64(st, 8, ino);
            Put32(st, 16, mode);
            Put32(st, 20, nlink);
            Put64(st, 32, rdev);
            Put64(st, 48, (ulong)size);
            Put32(st, 56, 4096);
            return 0;
        }

        public static void Put64(Span<byte> b, int at, ulong v)
        {
            for (int i = 0; i < 8; i++)
                b[at + i] = (byte)(v >> (8 * i));
        }

        public static void Put32(Span<byte> b, int at, uint v)
        {
            for (int i = 0; i < 4; i++)
                b[at + i] = (byte)(v >> (8 * i));
        }
    }
}
