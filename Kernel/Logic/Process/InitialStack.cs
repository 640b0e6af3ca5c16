using System;

namespace Kernel.Logic.Process
{
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
