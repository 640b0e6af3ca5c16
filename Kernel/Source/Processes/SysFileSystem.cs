using System;
using Kernel.Diagnostics;
using Kernel.Logic;

namespace Kernel.Processes
{
    public static unsafe partial class Syscalls
    {
        private const int MaxArgStrings = 256 * 1024;

        private static void RegisterFileSystem()
        {
        }

        /// <summary>Copies a NULL-terminated array of user string pointers into <paramref name="into"/> as NUL-separated strings.</summary>
        private static int CopyStringArray(ulong array, byte[] into, ref int used)
        {
            if (array == 0)
                return 0;
            for (int i = 0; ; i++)
            {
                if (i > 65536)
                    return -Errno.E2BIG;
                if (UserMemory.Read(array + (ulong)i * 8, out ulong pointer) < 0)
                    return -Errno.EFAULT;
                if (pointer == 0)
                    return 0;
                int n = UserMemory.ReadString(pointer, new Span<byte>(into, used, into.Length - used - 1));
                if (n == -Errno.ENAMETOOLONG)
                    return -Errno.E2BIG;
                if (n < 0)
                    return n;
                used += n;
                into[used++] = 0;
            }
        }

        /// <summary>The argv and envp strings of an execve call, copied into the kernel.</summary>
        private static int CopyExecStrings(ulong argv, ulong envp, out Exec.Strings? strings)
        {
            strings = new Exec.Strings(MaxArgStrings);
            int used = 0;
            int r = CopyStringArray(argv, strings.Buffer, ref used);
            strings.ArgLength = used;
            if (r == 0)
                r = CopyStringArray(envp, strings.Buffer, ref used);
            strings.EnvLength = used - strings.ArgLength;
            if (r < 0)
            {
                strings.Free();
                strings = null;
            }
            return r;
        }

        private static long Execve(TrapFrame* f)
        {
            Span<byte> path = stackalloc byte[4096];
            int length = UserMemory.ReadString(f->X[0], path);
            if (length < 0)
                return length;
            return -Errno.ENOENT;
        }
    }
}
