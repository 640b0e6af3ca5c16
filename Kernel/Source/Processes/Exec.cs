using System;
using Kernel.Arch;
using Kernel.Crypto;
using Kernel.Fs;
using Kernel.Logic.Process;
using Kernel.Logic;
using Kernel.Memory;
using Kernel.Threading;

namespace Kernel.Processes
{
    /// <summary>
    /// execve for static ELF executables (ET_EXEC and static-PIE): a new address space with the
    /// PT_LOAD segments mapped from the file's pages (read-only pages shared with the file, written
    /// ones copied on first write), an 8 MiB demand-paged stack holding the initial stack Linux
    /// builds, and a fresh register state. The old address space is dropped only once the new one is
    /// complete, so a failing exec returns to the caller intact.
    /// </summary>
    public static unsafe class Exec
    {
        public const ulong StackSize = 8UL << 20;
        private const ulong PieBase = 0x0000_5555_5555_0000UL;
        /// <summary>
        /// Where a program's interpreter (its dynamic loader) goes: above the area mmap hands out
        /// (below <see cref="AddressSpace.MmapTop"/>) and far below the stack.
        /// </summary>
        private const ulong InterpreterBase = 0x0000_7F80_0000_0000UL;

        /// <summary>Argument and environment strings copied out of the caller before its memory goes away.</summary>
        public sealed class Strings
        {
            public byte[] Buffer;
            public int ArgLength, EnvLength;

            public Strings(int capacity) { Buffer = new byte[capacity]; }

            /// <summary>Moves the strings to a buffer of <paramref name="capacity"/> bytes.</summary>
            public void Grow(int capacity)
            {
                byte[] bigger = new byte[capacity];
                new ReadOnlySpan<byte>(Buffer).CopyTo(bigger);
                Owned.Free(Buffer);
                Buffer = bigger;
            }

            public ReadOnlySpan<byte> Args => new ReadOnlySpan<byte>(Buffer, 0, ArgLength);
            public ReadOnlySpan<byte> Env => new ReadOnlySpan<byte>(Buffer, ArgLength, EnvLength);

            public void Free()
            {
                Owned.Free(Buffer);
                Owned.Free(this);
            }
        }

        private static int ReadFile(PageSource file, ulong fileSize, ulong offset, Span<byte> destination)
        {
            if (offset > fileSize || fileSize - offset < (ulong)destination.Length)
                return -Errno.ENOEXEC;
            int done = 0;
            while (done < destination.Length)
            {
                ulong at = offset + (ulong)done;
                ulong page = file.PageAt(at >> PageAllocator.PageShift);
                int inPage = (int)(at & (PageAllocator.PageSize - 1));
                int chunk = (int)PageAllocator.PageSize - inPage;
                if (chunk > destination.Length - done)
                    chunk = destination.Length - done;
                if (page == 0 && at < file.Size)
                    return -Errno.EIO; // the file's page could not be read (or no memory for it)
                if (page == 0)
                    destination.Slice(done, chunk).Clear();
                else
                    new ReadOnlySpan<byte>((byte*)MemoryManager.PhysicalToVirtual(page) + inPage, chunk).CopyTo(destination.Slice(done, chunk));
                done += chunk;
            }
            return 0;
        }

        /// <summary>
        /// The ELF header and program headers of <paramref name="file"/>, parsed (the load bias not
        /// yet set), or -errno (-ENOEXEC for anything that is not an AArch64 executable).
        /// </summary>
        private static int ParseImage(PageSource file, ulong fileSize, out ElfImage image)
        {
            image = default;
            Span<byte> header = stackalloc byte[ElfImage.HeaderSize];
            if (fileSize < ElfImage.HeaderSize || ReadFile(file, fileSize, 0, header) < 0)
                return -Errno.ENOEXEC;
            int r = ElfImage.GetProgramHeaderRange(header, fileSize, out ulong phOffset, out int phLength);
            if (r < 0)
                return r;
            byte[] programHeaders = new byte[phLength];
            r = ReadFile(file, fileSize, phOffset, programHeaders);
            if (r == 0)
                r = ElfImage.Parse(header, programHeaders, fileSize, out image);
            Owned.Free(programHeaders);
            return r;
        }

        /// <summary>
        /// PT_INTERP: finds the program's interpreter (the dynamic loader, resolved like any path from the
        /// working directory), parses it and places it at <see cref="InterpreterBase"/>. Its pages are
        /// held in <paramref name="pages"/> (the caller drops them); -errno when it is missing
        /// (ENOENT), not executable (EACCES) or not an ELF file the kernel can load (ELIBBAD).
        /// </summary>
        private static int LoadInterpreter(Process process, PageSource file, ulong fileSize, in ElfImage program, out ElfImage interpreter, out InodePages? pages)
        {
            interpreter = default;
            pages = null;
            int length = program.InterpreterLength;
            if (length < 2)
                return -Errno.ENOEXEC;
            byte[] name = new byte[length];
            int r = ReadFile(file, fileSize, program.InterpreterOffset, name);
            ReadOnlySpan<byte> path = new ReadOnlySpan<byte>(name, 0, length - 1);
            if (r == 0 && (name[length - 1] != 0 || Bytes.IndexOf(path, 0) >= 0))
                r = -Errno.ENOEXEC;
            Logic.Fs.Inode? node = null;
            if (r == 0)
                r = Logic.Fs.Vfs.Resolve(process.Fs!.Root, process.Fs.Cwd, path, 0, out node);
            Owned.Free(name);
            if (r < 0)
                return r;
            if (!node!.IsRegular || (node.Mode & Logic.Fs.InodeMode.S_IXUGO) == 0)
                return -Errno.EACCES;
            pages = new InodePages(node);
            r = ParseImage(pages, node.Size, out interpreter);
            if (r == 0 && interpreter.Type == ElfType.Dynamic)
            {
                ulong align = interpreter.MaxAlign > PageAllocator.PageSize ? interpreter.MaxAlign : PageAllocator.PageSize;
                r = interpreter.SetLoadBias((InterpreterBase + align - 1) & ~(align - 1));
            }
            return r == -Errno.ENOEXEC ? -Errno.ELIBBAD : r;
        }

        /// <summary>Replaces <paramref name="process"/>'s program. 0 on success (the frame now starts the new program) or -errno.</summary>
        public static int Run(Process process, TrapFrame* frame, PageSource file, ulong fileSize, ReadOnlySpan<byte> path, Strings strings)
        {
            int r = ParseImage(file, fileSize, out ElfImage image);
            if (r < 0)
                return r;
            if (image.Type == ElfType.Dynamic)
            {
                ulong align = image.MaxAlign > PageAllocator.PageSize ? image.MaxAlign : PageAllocator.PageSize;
                r = image.SetLoadBias((PieBase + align - 1) & ~(align - 1));
                if (r < 0)
                    return r;
            }
            if (!image.HasInterpreter)
                return Replace(process, frame, file, in image, null, default, path, strings);
            r = LoadInterpreter(process, file, fileSize, in image, out ElfImage interpreter, out InodePages? interpreterPages);
            if (r == 0)
                r = Replace(process, frame, file, in image, interpreterPages, in interpreter, path, strings);
            interpreterPages?.Drop();
            return r;
        }

        /// <summary>
        /// The rest of execve once the program (and its interpreter, if <paramref name="interpreterFile"/>
        /// is given) parsed: the point of no return, the new address space, the initial stack and registers.
        /// </summary>
        private static int Replace(Process process, TrapFrame* frame, PageSource file, in ElfImage image, PageSource? interpreterFile, in ElfImage interpreter,
            ReadOnlySpan<byte> path, Strings strings)
        {
            // The point of no return: the process's other threads end (Linux's de_thread), and this one
            // takes the process id.
            // The thread running the new program: the caller, or the first thread of a process being
            // started by the kernel (init).
            KernelThread thread = Scheduler.Current.Process == process ? Scheduler.Current : process.Thread!;
            int r = process.EndOtherThreads(thread);
            if (r < 0)
                return r;
            Futex.ReleaseRobustList(process, thread);

            // Linux maps the segments after the point of no return: one below mmap_min_addr (refused
            // without CAP_SYS_RAWIO) kills the process with SIGSEGV, whatever its handlers.
            for (int i = 0; i < image.LoadCount; i++)
            {
                if ((image.GetLoad(i).VirtualAddress & ~(PageAllocator.PageSize - 1)) < AddressSpace.MmapMinAddr && process.Euid != 0)
                {
                    process.Actions[Signals.SIGSEGV].Handler = 0;
                    thread.BlockedSignals &= ~Signals.Bit(Signals.SIGSEGV);
                    process.ForceSignal(Signals.SIGSEGV);
                    return -Errno.EPERM;
                }
            }

            AddressSpace? space = AddressSpace.Create();
            if (space == null)
                return -Errno.ENOMEM;
            r = MapSegments(space, in image, file);
            if (r == 0 && interpreterFile != null)
                r = MapSegments(space, in interpreter, interpreterFile);
            long sp = 0;
            InitialStackLayout layout = default;
            if (r == 0)
                r = space.Map(AddressSpace.StackTop - StackSize, StackSize, AddressSpace.ProtRead | AddressSpace.ProtWrite, false, null, 0, 0);
            if (r == 0)
                r = space.Map(SignalTrampoline.Address, PageAllocator.PageSize, AddressSpace.ProtRead | AddressSpace.ProtExec, false, SignalTrampoline.Page, 0, PageAllocator.PageSize);
            if (r == 0)
            {
                sp = BuildStack(space, process, in image, interpreterFile != null ? interpreter.LoadBias : 0, path, strings, out layout);
                if (sp < 0)
                    r = (int)sp;
            }
            if (r < 0)
            {
                space.Destroy();
                Owned.Free(space);
                return r;
            }

            // Point of no return: the new image is complete.
            AddressSpace? old = process.Memory;
            process.Memory = space;
            space.Activate();
            if (old != null)
            {
                old.Destroy();
                Owned.Free(old);
            }
            space.BrkStart = space.Brk = (image.ImageEnd + 4095) & ~4095UL;
            process.Files!.CloseOnExecAll();
            Time.PosixTimers.DeleteAll(process);
            process.Dumpable = process.Uid == process.Euid && process.Gid == process.Egid;
            for (int s = 1; s <= Signals.NSIG; s++)
            {
                if (process.Actions[s].Handler > 1)
                    process.Actions[s].Handler = 0;
                process.Actions[s].Flags = 0;
                process.Actions[s].Mask = 0;
                process.Actions[s].Restorer = 0;
            }
            thread.AltStack = default;
            thread.ClearChildTid = 0;
            process.SetName(path);
            process.SetCommandLine(strings.Args);

            byte* b = (byte*)frame;
            for (int i = 0; i < sizeof(TrapFrame); i++)
                b[i] = 0;
            frame->Sp = (ulong)sp;
            frame->Elr = interpreterFile != null ? interpreter.Entry : image.Entry;
            frame->Spsr = 0; // EL0t, interrupts unmasked
            Cpu.WriteUserThreadPointer(0);
            thread.UserTls = 0;
            return 0;
        }

        private static int MapSegments(AddressSpace space, in ElfImage image, PageSource file)
        {
            for (int i = 0; i < image.LoadCount; i++)
            {
                ElfSegment s = image.GetLoad(i);
                int prot = (s.Readable ? AddressSpace.ProtRead : 0) | (s.Writable ? AddressSpace.ProtWrite : 0) | (s.Executable ? AddressSpace.ProtExec : 0);
                ulong start = s.MapStart, end = s.MapEnd;
                // Segments may share a page at their edges: map only what the previous one left.
                while (start < end && !space.IsFree(start, start + PageAllocator.PageSize))
                    start += PageAllocator.PageSize;
                if (start >= end)
                    continue;
                ulong fileBytes = s.FileEnd > start ? s.FileEnd - start : 0;
                ulong fileOffset = s.MapFileOffset + (start - s.MapStart);
                int r = space.Map(start, end - start, prot, false, file, fileOffset, fileBytes);
                if (r < 0)
                    return r;
            }
            return 0;
        }

        private static long BuildStack(AddressSpace space, Process process, in ElfImage image, ulong interpreterBase, ReadOnlySpan<byte> path, Strings strings, out InitialStackLayout layout)
        {
            AuxValues aux = AuxValues.ForImage(in image);
            aux.Base = interpreterBase;
            aux.Uid = process.Uid;
            aux.Euid = process.Euid;
            aux.Gid = process.Gid;
            aux.Egid = process.Egid;
            Span<byte> random = stackalloc byte[16];
            Random.Fill(random);
            // Strings, the path, one pointer per string plus argc and the NULLs, the auxiliary vector
            // and the random bytes with alignment (under 1 KiB): what InitialStack.Build lays out.
            int pointers = InitialStack.CountStrings(strings.Args) + InitialStack.CountStrings(strings.Env) + 3;
            int size = (strings.ArgLength + strings.EnvLength + path.Length + 8 * pointers + 1024 + 4095) & ~4095;
            if ((ulong)size > StackSize / 4 + 4096 + (ulong)path.Length)
            {
                layout = default;
                return -Errno.E2BIG;
            }
            byte[] buffer = new byte[size];
            long sp = InitialStack.Build(buffer, AddressSpace.StackTop, strings.Args, strings.Env, path, in aux, random, out layout);
            if (sp >= 0)
            {
                // Copy the used part into the new space, page by page.
                ulong bottom = (ulong)sp & ~(PageAllocator.PageSize - 1);
                for (ulong va = bottom; va < AddressSpace.StackTop; va += PageAllocator.PageSize)
                {
                    ulong k = space.KernelAddress(va, true);
                    if (k == 0)
                    {
                        sp = -Errno.ENOMEM;
                        break;
                    }
                    int offset = (int)(va - (AddressSpace.StackTop - (ulong)size));
                    new ReadOnlySpan<byte>(buffer, offset, (int)PageAllocator.PageSize).CopyTo(new Span<byte>((void*)k, (int)PageAllocator.PageSize));
                }
            }
            Owned.Free(buffer);
            return sp;
        }
    }
}
