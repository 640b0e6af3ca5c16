using System;

namespace Kernel.Logic.Process
{
    /// <summary>
    /// An ELF64 little-endian AArch64 executable's header and program headers, validated the way
    /// Linux's binfmt_elf needs them before mapping anything; every problem is -ENOEXEC. The parser
    /// reads only the ELF header and the program-header table, so the caller may pass just the first
    /// part of the file (see <see cref="GetProgramHeaderRange"/>) plus the file's size, against which
    /// every segment is checked. All addresses the accessors return include the load bias
    /// (<see cref="SetLoadBias"/>; always 0 for ET_EXEC).
    /// </summary>
    public unsafe struct ElfImage
    {
        public const ulong PageSize = 4096;
        public const ulong PageMask = PageSize - 1;
        /// <summary>User addresses lie below 2^47 (Linux's default 48-bit-VA user window).</summary>
        public const ulong UserAddressLimit = 1UL << 47;
        /// <summary>Size of the ELF64 header.</summary>
        public const int HeaderSize = 64;
        /// <summary>Size of an ELF64 program header (the only e_phentsize accepted).</summary>
        public const int ProgramHeaderSize = 56;
        /// <summary>Largest program-header table Linux reads: one page (ELF_MIN_ALIGN), so at most 73 entries.</summary>
        public const int MaxProgramHeaderBytes = 4096;
        /// <summary>PT_LOAD segments kept (real linkers emit 2 to 5; more gives -ENOEXEC).</summary>
        public const int MaxLoadSegments = 16;
        /// <summary>Longest PT_INTERP path accepted, with its terminating NUL (PATH_MAX).</summary>
        public const int MaxInterpreterLength = 4096;
        public const ushort MachineAArch64 = 183;

        public const uint PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6, PT_TLS = 7;
        public const uint PT_GNU_STACK = 0x6474e551;

        private fixed ulong _loads[MaxLoadSegments * 4];   // vaddr, memsz, offset, filesz (unbiased)
        private fixed uint _loadFlags[MaxLoadSegments];
        private ulong _entry, _phdrAddress, _tlsAddress, _bias;

        /// <summary>e_type.</summary>
        public ElfType Type { get; private set; }
        /// <summary>Program entry point (e_entry + bias).</summary>
        public ulong Entry => _entry + _bias;
        /// <summary>The load bias added to every address (0 for ET_EXEC).</summary>
        public ulong LoadBias => _bias;
        /// <summary>Number of PT_LOAD segments (at least 1).</summary>
        public int LoadCount { get; private set; }
        /// <summary>e_phoff: where the program-header table is in the file.</summary>
        public ulong ProgramHeaderOffset { get; private set; }
        /// <summary>e_phnum (AT_PHNUM).</summary>
        public int ProgramHeaderCount { get; private set; }
        /// <summary>e_phentsize (AT_PHENT), always 56.</summary>
        public int ProgramHeaderEntrySize { get; private set; }
        /// <summary>Whether the table is visible in memory (a PT_PHDR, or a PT_LOAD whose file part covers it).</summary>
        public bool HasProgramHeaderAddress { get; private set; }
        /// <summary>Where the program headers are in memory (AT_PHDR), or 0 when they are not mapped.</summary>
        public ulong ProgramHeaderAddress => HasProgramHeaderAddress ? _phdrAddress + _bias : 0;
        /// <summary>PT_INTERP present: a dynamically linked executable (needs an interpreter).</summary>
        public bool HasInterpreter { get; private set; }
        /// <summary>The interpreter path's file offset (PT_INTERP p_offset).</summary>
        public ulong InterpreterOffset { get; private set; }
        /// <summary>The interpreter path's length including its NUL (PT_INTERP p_filesz).</summary>
        public int InterpreterLength { get; private set; }
        /// <summary>PT_TLS present.</summary>
        public bool HasTls { get; private set; }
        /// <summary>TLS initialisation image address (+ bias).</summary>
        public ulong TlsAddress => HasTls ? _tlsAddress + _bias : 0;
        /// <summary>TLS initialisation image size (p_filesz).</summary>
        public ulong TlsFileSize { get; private set; }
        /// <summary>TLS block size (p_memsz).</summary>
        public ulong TlsMemorySize { get; private set; }
        /// <summary>TLS block alignment (p_align).</summary>
        public ulong TlsAlign { get; private set; }
        /// <summary>PT_GNU_STACK present.</summary>
        public bool HasGnuStack { get; private set; }
        /// <summary>PT_GNU_STACK p_flags (0 when absent).</summary>
        public uint GnuStackFlags { get; private set; }
        /// <summary>Whether the stack must be executable (only when PT_GNU_STACK asks for PF_X; an arm64 default stack is not).</summary>
        public bool ExecutableStack => (GnuStackFlags & ElfSegment.FlagExecute) != 0;
        /// <summary>Largest power-of-two p_align of the PT_LOAD segments (at least the page size): align a bias to it.</summary>
        public ulong MaxAlign { get; private set; }

        /// <summary>Lowest mapped page (first segment's MapStart, + bias).</summary>
        public ulong ImageStart => (_loads[0] & ~PageMask) + _bias;
        /// <summary>End of the highest segment in memory (+ bias): the program break starts at this, page-rounded.</summary>
        public ulong ImageEnd => _loads[(LoadCount - 1) * 4] + _loads[(LoadCount - 1) * 4 + 1] + _bias;
        /// <summary>Bytes from ImageStart to the page-rounded ImageEnd: the span a bias must leave free.</summary>
        public ulong ImageSpan => PageUp(ImageEnd) - ImageStart;

        /// <summary>The <paramref name="index"/>th PT_LOAD segment, in ascending address order, with the bias applied.</summary>
        public ElfSegment GetLoad(int index)
        {
            if ((uint)index >= (uint)LoadCount)
                Fatal.Panic("ElfImage.GetLoad: index out of range");
            int b = index * 4;
            return new ElfSegment(_loads[b] + _bias, _loads[b + 1], _loads[b + 2], _loads[b + 3], _loadFlags[index]);
        }

        internal static ulong PageUp(ulong value) => (value + PageMask) & ~PageMask;

        /// <summary>
        /// From the ELF header alone (the file's first 64 bytes or more), where the program-header
        /// table lies: <paramref name="offset"/> and <paramref name="length"/> in the file. 0, or
        /// -ENOEXEC when the header is not a valid AArch64 executable header or the table does not
        /// fit in <paramref name="fileSize"/> bytes.
        /// </summary>
        public static int GetProgramHeaderRange(ReadOnlySpan<byte> header, ulong fileSize, out ulong offset, out int length)
        {
            offset = 0;
            length = 0;
            if (header.Length < HeaderSize || fileSize < HeaderSize)
                return -Errno.ENOEXEC;
            if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
                return -Errno.ENOEXEC;
            if (header[4] != 2 /* ELFCLASS64 */ || header[5] != 1 /* ELFDATA2LSB */ || header[6] != 1 /* EV_CURRENT */)
                return -Errno.ENOEXEC;
            ushort type = LittleEndian.U16(header, 16);
            if (type != (ushort)ElfType.Executable && type != (ushort)ElfType.Dynamic)
                return -Errno.ENOEXEC;
            if (LittleEndian.U16(header, 18) != MachineAArch64 || LittleEndian.U32(header, 20) != 1)
                return -Errno.ENOEXEC;
            ulong phoff = LittleEndian.U64(header, 32);
            int phentsize = LittleEndian.U16(header, 54);
            int phnum = LittleEndian.U16(header, 56);
            if (phentsize != ProgramHeaderSize || phnum == 0 || phnum * ProgramHeaderSize > MaxProgramHeaderBytes)
                return -Errno.ENOEXEC;
            int size = phnum * ProgramHeaderSize;
            if (phoff > fileSize || fileSize - phoff < (ulong)size)
                return -Errno.ENOEXEC;
            offset = phoff;
            length = size;
            return 0;
        }

        /// <summary>
        /// Parses the file whose first bytes are <paramref name="head"/> (the whole file or, say, its
        /// first page) and whose size is <paramref name="fileSize"/>. The program headers must lie
        /// inside <paramref name="head"/>; when they do not, read them separately and use the other
        /// overload. 0 or -ENOEXEC.
        /// </summary>
        public static int Parse(ReadOnlySpan<byte> head, ulong fileSize, out ElfImage image)
        {
            image = default;
            if ((ulong)head.Length > fileSize)
                return -Errno.ENOEXEC;
            int r = GetProgramHeaderRange(head, fileSize, out ulong offset, out int length);
            if (r < 0)
                return r;
            if (offset > (ulong)head.Length || (ulong)head.Length - offset < (ulong)length)
                return -Errno.ENOEXEC;
            return Parse(head, head.Slice((int)offset, length), fileSize, out image);
        }

        /// <summary>
        /// Parses an ELF header (<paramref name="header"/>, at least 64 bytes) and its program-header
        /// table (<paramref name="programHeaders"/>, exactly the range <see cref="GetProgramHeaderRange"/>
        /// gave) of a file of <paramref name="fileSize"/> bytes. 0 or -ENOEXEC.
        /// </summary>
        public static int Parse(ReadOnlySpan<byte> header, ReadOnlySpan<byte> programHeaders, ulong fileSize, out ElfImage image)
        {
            image = default;
            int r = GetProgramHeaderRange(header, fileSize, out ulong phoff, out int phsize);
            if (r < 0)
                return r;
            if (programHeaders.Length != phsize)
                return -Errno.ENOEXEC;
            ulong entry = LittleEndian.U64(header, 24);
            if (entry >= UserAddressLimit)
                return -Errno.ENOEXEC;

            image.Type = (ElfType)LittleEndian.U16(header, 16);
            image._entry = entry;
            image.ProgramHeaderOffset = phoff;
            image.ProgramHeaderCount = phsize / ProgramHeaderSize;
            image.ProgramHeaderEntrySize = ProgramHeaderSize;
            image.MaxAlign = PageSize;
            ulong previousEnd = 0;

            for (int i = 0; i < image.ProgramHeaderCount; i++)
            {
                ReadOnlySpan<byte> ph = programHeaders.Slice(i * ProgramHeaderSize, ProgramHeaderSize);
                uint type = LittleEndian.U32(ph, 0);
                uint flags = LittleEndian.U32(ph, 4);
                ulong offset = LittleEndian.U64(ph, 8);
                ulong vaddr = LittleEndian.U64(ph, 16);
                ulong filesz = LittleEndian.U64(ph, 32);
                ulong memsz = LittleEndian.U64(ph, 40);
                ulong align = LittleEndian.U64(ph, 48);

                switch (type)
                {
                    case PT_LOAD:
                        if (!FileRangeValid(offset, filesz, fileSize) || filesz > memsz || !AddressRangeValid(vaddr, memsz))
                            return -Errno.ENOEXEC;
                        if ((vaddr & PageMask) != (offset & PageMask))
                            return -Errno.ENOEXEC;
                        if (image.LoadCount == MaxLoadSegments)
                            return -Errno.ENOEXEC;
                        // Ascending and disjoint (ELF requires PT_LOAD sorted by p_vaddr); two segments may share a page.
                        if (image.LoadCount > 0 && vaddr < previousEnd)
                            return -Errno.ENOEXEC;
                        previousEnd = vaddr + memsz;
                        int b = image.LoadCount * 4;
                        image._loads[b] = vaddr;
                        image._loads[b + 1] = memsz;
                        image._loads[b + 2] = offset;
                        image._loads[b + 3] = filesz;
                        image._loadFlags[image.LoadCount] = flags;
                        image.LoadCount++;
                        if (align > image.MaxAlign && (align & (align - 1)) == 0 && align <= UserAddressLimit / 4)
                            image.MaxAlign = align;
                        if (!image.HasProgramHeaderAddress && offset <= phoff && phoff - offset <= filesz && filesz - (phoff - offset) >= (ulong)phsize)
                        {
                            image._phdrAddress = vaddr + (phoff - offset);
                            image.HasProgramHeaderAddress = true;
                        }
                        break;
                    case PT_INTERP:
                        if (image.HasInterpreter)
                            break;   // Linux uses the first one
                        if (!FileRangeValid(offset, filesz, fileSize) || filesz < 2 || filesz > MaxInterpreterLength)
                            return -Errno.ENOEXEC;
                        image.HasInterpreter = true;
                        image.InterpreterOffset = offset;
                        image.InterpreterLength = (int)filesz;
                        break;
                    case PT_TLS:
                        if (!FileRangeValid(offset, filesz, fileSize) || filesz > memsz || !AddressRangeValid(vaddr, memsz))
                            return -Errno.ENOEXEC;
                        image.HasTls = true;
                        image._tlsAddress = vaddr;
                        image.TlsFileSize = filesz;
                        image.TlsMemorySize = memsz;
                        image.TlsAlign = align;
                        break;
                    case PT_PHDR:
                        if (!AddressRangeValid(vaddr, (ulong)phsize))
                            return -Errno.ENOEXEC;
                        image._phdrAddress = vaddr;
                        image.HasProgramHeaderAddress = true;
                        break;
                    case PT_GNU_STACK:
                        image.HasGnuStack = true;
                        image.GnuStackFlags = flags;
                        break;
                }
            }
            if (image.LoadCount == 0)
                return -Errno.ENOEXEC;
            return 0;
        }

        /// <summary>
        /// Sets the load bias for an ET_DYN image (the caller picks it, page-aligned, ideally aligned
        /// to <see cref="MaxAlign"/>, with [ImageStart, ImageStart + ImageSpan) free). Every address
        /// must stay below <see cref="UserAddressLimit"/>. ET_EXEC accepts only 0. 0 or -ENOEXEC.
        /// </summary>
        public int SetLoadBias(ulong bias)
        {
            if (LoadCount == 0 || (bias & PageMask) != 0 || (Type == ElfType.Executable && bias != 0))
                return -Errno.ENOEXEC;
            if (bias >= UserAddressLimit)
                return -Errno.ENOEXEC;
            ulong end = PageUp(_loads[(LoadCount - 1) * 4] + _loads[(LoadCount - 1) * 4 + 1]);
            if (end > UserAddressLimit - bias || _entry >= UserAddressLimit - bias)
                return -Errno.ENOEXEC;
            if (HasTls && _tlsAddress + TlsMemorySize > UserAddressLimit - bias)
                return -Errno.ENOEXEC;
            if (HasProgramHeaderAddress && _phdrAddress + (ulong)(ProgramHeaderCount * ProgramHeaderSize) > UserAddressLimit - bias)
                return -Errno.ENOEXEC;
            _bias = bias;
            return 0;
        }

        private static bool FileRangeValid(ulong offset, ulong size, ulong fileSize) => offset <= fileSize && size <= fileSize - offset;

        private static bool AddressRangeValid(ulong address, ulong size) => address < UserAddressLimit && size <= UserAddressLimit - address;
    }
}
