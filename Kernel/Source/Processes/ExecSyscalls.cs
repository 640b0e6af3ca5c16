using System;
using Kernel.Arch;
using Kernel.Fs;
using Kernel.Logic.Fs;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;
using Kernel.Traps;
using static Kernel.Traps.SyscallArgs;

namespace Kernel.Processes
{
    /// <summary>execve: argv and envp copied in, ELF executables and "#!" scripts; and the start of pid 1.</summary>
    public static unsafe class ExecSyscalls
    {
        /// <summary>
        /// Linux's limit on argv plus envp (prepare_arg_pages): a quarter of the 8 MiB stack limit,
        /// less a pointer per string; each string at most MAX_ARG_STRLEN (32 pages).
        /// </summary>
        private const int MaxArgBytes = (int)(Exec.StackSize / 4), MaxArgStrlen = 32 * 4096;

        /// <summary>The first buffer for the strings; it doubles as needed up to <see cref="MaxArgBytes"/>.</summary>
        private const int InitialArgBuffer = 16 * 1024;

        public static void Register()
        {
            Syscalls.Register("execve"u8, &Execve);
        }

        /// <summary>Copies a NULL-terminated array of user string pointers into <paramref name="into"/> as NUL-separated strings.</summary>
        private static int CopyStringArray(ulong array, Exec.Strings into, ref int used, ref int count)
        {
            if (array == 0)
                return 0;
            for (int i = 0; ; i++)
            {
                if (UserMemory.Read(array + (ulong)i * 8, out ulong pointer) < 0)
                    return -Errno.EFAULT;
                if (pointer == 0)
                    return 0;
                count++;
                for (; ; )
                {
                    int room = into.Buffer.Length - used - 1;
                    int n = room <= 0 ? -Errno.ENAMETOOLONG
                        : UserMemory.ReadString(pointer, new Span<byte>(into.Buffer, used, room < MaxArgStrlen ? room : MaxArgStrlen));
                    if (n == -Errno.ENAMETOOLONG && room < MaxArgStrlen && into.Buffer.Length < MaxArgBytes)
                    {
                        into.Grow(into.Buffer.Length * 2 < MaxArgBytes ? into.Buffer.Length * 2 : MaxArgBytes);
                        continue;
                    }
                    if (n == -Errno.ENAMETOOLONG)
                        return -Errno.E2BIG;
                    if (n < 0)
                        return n;
                    used += n;
                    into.Buffer[used++] = 0;
                    break;
                }
                // The strings and a pointer to each must fit in the quarter of the stack limit.
                if ((long)used + 8L * count > MaxArgBytes)
                    return -Errno.E2BIG;
            }
        }

        /// <summary>The argv and envp strings of an execve call, copied into the kernel.</summary>
        private static int CopyExecStrings(ulong argv, ulong envp, out Exec.Strings? strings)
        {
            strings = new Exec.Strings(InitialArgBuffer);
            int used = 0, count = 0;
            int r = CopyStringArray(argv, strings, ref used, ref count);
            strings.ArgLength = used;
            if (r == 0)
                r = CopyStringArray(envp, strings, ref used, ref count);
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
            Span<byte> path = stackalloc byte[Vfs.PathMax];
            int n = UserMemory.ReadString(f->X[0], path);
            if (n < 0)
                return n;
            ReadOnlySpan<byte> p = path.Slice(0, n);
            int r = Vfs.Resolve(Current.Fs!.Root, Current.Fs!.Cwd, p, 0, out Inode? node);
            if (r < 0)
                return r;
            return ExecInode(f, node!, p, f->X[1], f->X[2]);
        }

        private static long ExecInode(TrapFrame* f, Inode node, ReadOnlySpan<byte> path, ulong argv, ulong envp)
        {
            if (node.IsDirectory || !node.IsRegular)
                return -Errno.EACCES;
            if ((node.Mode & InodeMode.S_IXUGO) == 0)
                return -Errno.EACCES;
            int r = CopyExecStrings(argv, envp, out Exec.Strings? strings);
            if (r < 0)
                return r;
            r = ExecWithStrings(Current, f, node, path, strings!, 0);
            strings!.Free();
            if (r == 0)
                Scheduler.Current.InSyscallReturn = false;
            return r;
        }

        /// <summary>
        /// Runs the file: an ELF executable, or a "#!" script whose interpreter runs with argv
        /// [interpreter, optional argument, script path, original argv[1..]] (as Linux's binfmt_script).
        /// </summary>
        private static int ExecWithStrings(Process proc, TrapFrame* frame, Inode node, ReadOnlySpan<byte> path, Exec.Strings strings, int depth)
        {
            Span<byte> head = stackalloc byte[256];
            long got = node.Read(0, head);
            if (got >= 2 && head[0] == '#' && head[1] == '!')
            {
                if (depth >= 4)
                    return -Errno.ELOOP;
                int end = 2;
                while (end < got && head[end] != '\n')
                    end++;
                ReadOnlySpan<byte> line = head.Slice(2, end - 2);
                int i = 0;
                while (i < line.Length && (line[i] == ' ' || line[i] == '\t')) i++;
                int interpStart = i;
                while (i < line.Length && line[i] != ' ' && line[i] != '\t') i++;
                ReadOnlySpan<byte> interpreter = line.Slice(interpStart, i - interpStart);
                while (i < line.Length && (line[i] == ' ' || line[i] == '\t')) i++;
                int argEnd = line.Length;
                while (argEnd > i && (line[argEnd - 1] == ' ' || line[argEnd - 1] == '\t' || line[argEnd - 1] == '\r')) argEnd--;
                ReadOnlySpan<byte> argument = line.Slice(i, argEnd - i);
                if (interpreter.Length == 0)
                    return -Errno.ENOEXEC;
                int r = Vfs.Resolve(proc.Fs!.Root, proc.Fs.Cwd, interpreter, 0, out Inode? interp);
                if (r < 0)
                    return r;
                if (!interp!.IsRegular || (interp.Mode & InodeMode.S_IXUGO) == 0)
                    return -Errno.EACCES;
                // New argv: interpreter [argument] path argv[1..], then the environment.
                int skip = 0;
                ReadOnlySpan<byte> args = strings.Args;
                while (skip < args.Length && args[skip] != 0) skip++;
                if (skip < args.Length) skip++;
                int needed = interpreter.Length + 1 + (argument.Length > 0 ? argument.Length + 1 : 0) + path.Length + 1 + (args.Length - skip) + strings.EnvLength;
                var rewritten = new Exec.Strings(needed + 1);
                var b = new Span<byte>(rewritten.Buffer);
                int at = 0;
                interpreter.CopyTo(b.Slice(at)); at += interpreter.Length; b[at++] = 0;
                if (argument.Length > 0) { argument.CopyTo(b.Slice(at)); at += argument.Length; b[at++] = 0; }
                path.CopyTo(b.Slice(at)); at += path.Length; b[at++] = 0;
                args.Slice(skip).CopyTo(b.Slice(at)); at += args.Length - skip;
                rewritten.ArgLength = at;
                strings.Env.CopyTo(b.Slice(at));
                rewritten.EnvLength = strings.EnvLength;
                Span<byte> interpPath = stackalloc byte[interpreter.Length];
                interpreter.CopyTo(interpPath);
                r = ExecWithStrings(proc, frame, interp, interpPath, rewritten, depth + 1);
                rewritten.Free();
                return r;
            }
            node.Acquire();
            var pages = new InodePages(node);
            int result = Exec.Run(proc, frame, pages, node.Size, path, strings);
            if (result == 0)
            {
                // /proc/PID/exe names the file itself, not the path it was run by.
                Span<byte> canonical = stackalloc byte[Vfs.PathMax];
                int n = FileSystems.CanonicalPath(proc.Fs!.Root, proc.Fs.Cwd, path, canonical);
                proc.SetExecutable(node, n > 0 ? canonical.Slice(0, n) : path);
            }
            pages.Drop();
            node.Release();
            return result;
        }

        /// <summary>Starts pid 1 from a path in the root file system.</summary>
        public static int ExecInit(Process init, ReadOnlySpan<byte> path, Exec.Strings strings)
        {
            int r = Vfs.Resolve(init.Fs!.Root, init.Fs.Cwd, path, 0, out Inode? node);
            if (r < 0)
                return r;
            if (!node!.IsRegular)
                return -Errno.EACCES;
            return ExecWithStrings(init, init.Thread!.UserFrame, node, path, strings, 0);
        }
    }
}
