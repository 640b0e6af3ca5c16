using System;

namespace Kernel.Logic.Process
{
    /// <summary>
    /// The auxiliary-vector values of a new program (include/uapi/linux/auxvec.h). Start from
    /// <see cref="ForImage"/> and fill in credentials, HWCAPs and AT_SECURE.
    /// </summary>
    public struct AuxValues
    {
        public const ulong AT_NULL = 0, AT_IGNORE = 1, AT_EXECFD = 2, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6,
            AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_NOTELF = 10, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
            AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_BASE_PLATFORM = 24, AT_RANDOM = 25,
            AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51;

        /// <summary>arm64 AT_HWCAP bits (arch/arm64/include/uapi/asm/hwcap.h).</summary>
        public const ulong HWCAP_FP = 1 << 0, HWCAP_ASIMD = 1 << 1, HWCAP_EVTSTRM = 1 << 2, HWCAP_AES = 1 << 3,
            HWCAP_PMULL = 1 << 4, HWCAP_SHA1 = 1 << 5, HWCAP_SHA2 = 1 << 6, HWCAP_CRC32 = 1 << 7, HWCAP_ATOMICS = 1 << 8,
            HWCAP_FPHP = 1 << 9, HWCAP_ASIMDHP = 1 << 10, HWCAP_CPUID = 1 << 11;

        /// <summary>Linux's USER_HZ: the unit of times(2) and /proc tick counts.</summary>
        public const ulong ClockTicksPerSecond = 100;

        /// <summary>AT_MINSIGSTKSZ Linux reports on a CPU with FP/SIMD and no SVE/SME: the
        /// rt_sigframe (4688) + a 16-byte frame record + 16 bytes of alignment padding.</summary>
        public const ulong MinSignalStackSize = 4720;

        public ulong Phdr, Phent, Phnum, PageSize, Base, Flags, Entry;
        public ulong Uid, Euid, Gid, Egid, Secure;
        public ulong HwCap, HwCap2, ClockTicks, MinSigStackSize;
        /// <summary>The vDSO's ELF header; 0 = no vDSO, no AT_SYSINFO_EHDR entry.</summary>
        public ulong SysInfoEhdr;

        /// <summary>
        /// Values for a static executable: AT_PHDR/PHENT/PHNUM/ENTRY from <paramref name="image"/>
        /// (bias applied), AT_BASE 0 (no interpreter), 4 KiB pages, 100 ticks per second,
        /// HWCAP FP|ASIMD, root credentials, AT_SECURE 0.
        /// </summary>
        public static AuxValues ForImage(in ElfImage image)
        {
            AuxValues a = default;
            a.Phdr = image.ProgramHeaderAddress;
            a.Phent = (ulong)image.ProgramHeaderEntrySize;
            a.Phnum = (ulong)image.ProgramHeaderCount;
            a.Entry = image.Entry;
            a.PageSize = ElfImage.PageSize;
            a.ClockTicks = ClockTicksPerSecond;
            a.HwCap = HWCAP_FP | HWCAP_ASIMD;
            a.MinSigStackSize = MinSignalStackSize;
            return a;
        }
    }

    /// <summary>Where <see cref="InitialStack.Build"/> put things (user virtual addresses).</summary>
    public struct InitialStackLayout
    {
        /// <summary>The initial SP (16-byte aligned): argc is here.</summary>
        public ulong StackPointer;
        public int Argc, Envc;
        /// <summary>Address of argv[0]'s pointer (SP + 8), of envp[0]'s pointer, of the first auxv pair.</summary>
        public ulong Argv, Envp, Auxv;
        /// <summary>Number of auxv words including the AT_NULL pair (Linux's saved_auxv length).</summary>
        public int AuxvWords;
        /// <summary>The argument strings [ArgStart, ArgEnd) and environment strings [EnvStart, EnvEnd) (mm->arg_start etc., for /proc/PID/cmdline and environ).</summary>
        public ulong ArgStart, ArgEnd, EnvStart, EnvEnd;
        /// <summary>AT_EXECFN's string, AT_PLATFORM's "aarch64", AT_RANDOM's 16 bytes.</summary>
        public ulong ExecFn, Platform, Random;
        /// <summary>Lowest address written (SP) and the top of the image: everything in between belongs to the new stack.</summary>
        public ulong Top;
    }

    /// <summary>
    /// Builds the initial user stack of execve exactly as Linux's fs/exec.c and
    /// fs/binfmt_elf.c create_elf_tables lay it out on arm64 (no stack randomisation), from the
    /// top down: an 8-byte NULL, the AT_EXECFN string, the environment strings, the argument
    /// strings (argv[0] lowest; "" when argv is empty), then (aligned down to 16) the AT_PLATFORM
    /// string "aarch64", the 16 AT_RANDOM bytes, and at the 16-aligned SP: argc, argv[], NULL,
    /// envp[], NULL, the auxv pairs ending with AT_NULL.
    /// </summary>
    public static class InitialStack
    {
        /// <summary>Longest single argument or environment string, NUL included (MAX_ARG_STRLEN, 32 pages).</summary>
        public const int MaxStringLength = 32 * 4096;

        /// <summary>auxv entries always written (AT_MINSIGSTKSZ .. AT_PLATFORM), AT_NULL and AT_SYSINFO_EHDR not counted.</summary>
        private const int AuxEntries = 19;

        /// <summary>Number of NUL-terminated strings in <paramref name="block"/> (which must end with a NUL), or -EINVAL.</summary>
        public static int CountStrings(ReadOnlySpan<byte> block)
        {
            if (block.Length == 0)
                return 0;
            if (block[block.Length - 1] != 0)
                return -Errno.EINVAL;
            int count = 0;
            for (int i = 0; i < block.Length; i++)
                if (block[i] == 0)
                    count++;
            return count;
        }

        private static bool StringsFit(ReadOnlySpan<byte> block)
        {
            int start = 0;
            for (int i = 0; i < block.Length; i++)
            {
                if (block[i] != 0)
                    continue;
                if (i + 1 - start > MaxStringLength)
                    return false;
                start = i + 1;
            }
            return true;
        }

        /// <summary>
        /// Writes the initial stack into <paramref name="stack"/>, which holds the user addresses
        /// [<paramref name="stackTop"/> - stack.Length, <paramref name="stackTop"/>). The strings come
        /// as blocks of NUL-terminated strings in order (as execve copied them from the caller):
        /// <paramref name="argStrings"/>, <paramref name="envStrings"/>; <paramref name="execFn"/> is
        /// the path given to execve (no NUL); <paramref name="random"/> the 16 AT_RANDOM bytes.
        /// Returns the new SP (>= 0), -E2BIG when it does not fit (or a string exceeds
        /// MAX_ARG_STRLEN), -EINVAL for malformed blocks or an unaligned top.
        /// </summary>
        public static long Build(Span<byte> stack, ulong stackTop, ReadOnlySpan<byte> argStrings, ReadOnlySpan<byte> envStrings,
            ReadOnlySpan<byte> execFn, in AuxValues aux, ReadOnlySpan<byte> random, out InitialStackLayout layout)
        {
            layout = default;
            if ((stackTop & 15) != 0 || stackTop < (ulong)stack.Length || random.Length != 16)
                return -Errno.EINVAL;
            int argc = CountStrings(argStrings);
            int envc = CountStrings(envStrings);
            if (argc < 0 || envc < 0)
                return -Errno.EINVAL;
            for (int i = 0; i < execFn.Length; i++)
                if (execFn[i] == 0)
                    return -Errno.EINVAL;
            if (!StringsFit(argStrings) || !StringsFit(envStrings) || execFn.Length + 1 > MaxStringLength)
                return -Errno.E2BIG;
            bool emptyArgv = argc == 0;

            ulong bottom = stackTop - (ulong)stack.Length;
            // Strings, from the top down. Sizes are bounded by the span length, so no overflow below.
            ulong need = 8 + (ulong)execFn.Length + 1 + (ulong)envStrings.Length + (ulong)argStrings.Length + (emptyArgv ? 1UL : 0);
            if (need > (ulong)stack.Length)
                return -Errno.E2BIG;
            ulong p = stackTop - 8;
            ulong execFnAddress = p - (ulong)execFn.Length - 1;
            ulong envStart = execFnAddress - (ulong)envStrings.Length;
            ulong argStart = envStart - (ulong)argStrings.Length - (emptyArgv ? 1UL : 0);
            if (emptyArgv)
                argc = 1;

            // create_elf_tables: align, platform string, random bytes, then the tables.
            p = argStart & ~15UL;
            int auxWords = 2 * (AuxEntries + (aux.SysInfoEhdr != 0 ? 1 : 0) + 1);
            int items = (argc + 1) + (envc + 1) + 1;
            ulong tableBytes = (ulong)(auxWords + items) * 8;
            if (p < bottom || p - bottom < 24 + tableBytes)
                return -Errno.E2BIG;
            ulong platform = p - 8;                // "aarch64\0"
            ulong randomAddress = platform - 16;
            ulong sp = (randomAddress - tableBytes) & ~15UL;
            if (sp < bottom)
                return -Errno.E2BIG;

            // Everything from SP to the top is ours: start from zeros (padding reads as 0, as on fresh stack pages).
            stack.Slice((int)(sp - bottom)).Clear();
            execFn.CopyTo(stack.Slice((int)(execFnAddress - bottom)));
            envStrings.CopyTo(stack.Slice((int)(envStart - bottom)));
            argStrings.CopyTo(stack.Slice((int)(argStart - bottom)));
            "aarch64\0"u8.CopyTo(stack.Slice((int)(platform - bottom)));
            random.CopyTo(stack.Slice((int)(randomAddress - bottom)));

            int o = (int)(sp - bottom);
            LittleEndian.Put64(stack, o, (ulong)argc);
            o += 8;
            ulong argv = sp + 8;
            o = PutPointers(stack, o, argStart, emptyArgv ? "\0"u8 : argStrings);
            LittleEndian.Put64(stack, o, 0);
            o += 8;
            ulong envp = bottom + (ulong)o;
            o = PutPointers(stack, o, envStart, envStrings);
            LittleEndian.Put64(stack, o, 0);
            o += 8;
            ulong auxv = bottom + (ulong)o;

            // Linux's order: ARCH_DLINFO (AT_SYSINFO_EHDR, AT_MINSIGSTKSZ) first, then the generic entries.
            if (aux.SysInfoEhdr != 0)
                o = PutAux(stack, o, AuxValues.AT_SYSINFO_EHDR, aux.SysInfoEhdr);
            o = PutAux(stack, o, AuxValues.AT_MINSIGSTKSZ, aux.MinSigStackSize);
            o = PutAux(stack, o, AuxValues.AT_HWCAP, aux.HwCap);
            o = PutAux(stack, o, AuxValues.AT_PAGESZ, aux.PageSize);
            o = PutAux(stack, o, AuxValues.AT_CLKTCK, aux.ClockTicks);
            o = PutAux(stack, o, AuxValues.AT_PHDR, aux.Phdr);
            o = PutAux(stack, o, AuxValues.AT_PHENT, aux.Phent);
            o = PutAux(stack, o, AuxValues.AT_PHNUM, aux.Phnum);
            o = PutAux(stack, o, AuxValues.AT_BASE, aux.Base);
            o = PutAux(stack, o, AuxValues.AT_FLAGS, aux.Flags);
            o = PutAux(stack, o, AuxValues.AT_ENTRY, aux.Entry);
            o = PutAux(stack, o, AuxValues.AT_UID, aux.Uid);
            o = PutAux(stack, o, AuxValues.AT_EUID, aux.Euid);
            o = PutAux(stack, o, AuxValues.AT_GID, aux.Gid);
            o = PutAux(stack, o, AuxValues.AT_EGID, aux.Egid);
            o = PutAux(stack, o, AuxValues.AT_SECURE, aux.Secure);
            o = PutAux(stack, o, AuxValues.AT_RANDOM, randomAddress);
            o = PutAux(stack, o, AuxValues.AT_HWCAP2, aux.HwCap2);
            o = PutAux(stack, o, AuxValues.AT_EXECFN, execFnAddress);
            o = PutAux(stack, o, AuxValues.AT_PLATFORM, platform);
            o = PutAux(stack, o, AuxValues.AT_NULL, 0);
            if (bottom + (ulong)o != sp + tableBytes)
                Fatal.Panic("InitialStack: auxv size miscounted");

            layout.StackPointer = sp;
            layout.Argc = argc;
            layout.Envc = envc;
            layout.Argv = argv;
            layout.Envp = envp;
            layout.Auxv = auxv;
            layout.AuxvWords = auxWords;
            layout.ArgStart = argStart;
            layout.ArgEnd = envStart;
            layout.EnvStart = envStart;
            layout.EnvEnd = execFnAddress;
            layout.ExecFn = execFnAddress;
            layout.Platform = platform;
            layout.Random = randomAddress;
            layout.Top = stackTop;
            return (long)sp;
        }

        private static int PutPointers(Span<byte> stack, int o, ulong address, ReadOnlySpan<byte> strings)
        {
            int start = 0;
            for (int i = 0; i < strings.Length; i++)
            {
                if (strings[i] != 0)
                    continue;
                LittleEndian.Put64(stack, o, address + (ulong)start);
                o += 8;
                start = i + 1;
            }
            return o;
        }

        private static int PutAux(Span<byte> stack, int o, ulong type, ulong value)
        {
            LittleEndian.Put64(stack, o, type);
            LittleEndian.Put64(stack, o + 8, value);
            return o + 16;
        }
    }
}
