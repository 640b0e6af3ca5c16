namespace Kernel.Logic.Process
{
    /// <summary>
    /// One PT_LOAD segment (addresses include the load bias) and the page ranges that map it:
    /// [<see cref="MapStart"/>, <see cref="FilePagesEnd"/>) comes from the file starting at
    /// <see cref="MapFileOffset"/>, the bytes [<see cref="FileEnd"/>, <see cref="FilePagesEnd"/>) of the
    /// last file page must read as zero, and [<see cref="FilePagesEnd"/>, <see cref="MapEnd"/>) is
    /// anonymous zeroed memory (the .bss).
    /// </summary>
    public readonly struct ElfSegment
    {
        /// <summary>Segment permission bits (p_flags).</summary>
        public const uint FlagExecute = 1, FlagWrite = 2, FlagRead = 4;

        public ElfSegment(ulong virtualAddress, ulong memorySize, ulong fileOffset, ulong fileSize, uint flags)
        {
            VirtualAddress = virtualAddress;
            MemorySize = memorySize;
            FileOffset = fileOffset;
            FileSize = fileSize;
            Flags = flags;
        }

        /// <summary>p_vaddr (+ bias).</summary>
        public ulong VirtualAddress { get; }
        /// <summary>p_memsz.</summary>
        public ulong MemorySize { get; }
        /// <summary>p_offset.</summary>
        public ulong FileOffset { get; }
        /// <summary>p_filesz.</summary>
        public ulong FileSize { get; }
        /// <summary>p_flags (PF_X 1, PF_W 2, PF_R 4).</summary>
        public uint Flags { get; }

        public bool Readable => (Flags & FlagRead) != 0;
        public bool Writable => (Flags & FlagWrite) != 0;
        public bool Executable => (Flags & FlagExecute) != 0;

        /// <summary>First mapped page (VirtualAddress rounded down to the page).</summary>
        public ulong MapStart => VirtualAddress & ~ElfImage.PageMask;
        /// <summary>End of the mapping (VirtualAddress + MemorySize rounded up to the page).</summary>
        public ulong MapEnd => ElfImage.PageUp(VirtualAddress + MemorySize);
        /// <summary>File offset mapped at <see cref="MapStart"/> (FileOffset rounded down to the page).</summary>
        public ulong MapFileOffset => FileOffset & ~ElfImage.PageMask;
        /// <summary>First address not backed by the file (VirtualAddress + FileSize); zero from here on.</summary>
        public ulong FileEnd => VirtualAddress + FileSize;
        /// <summary>End of the segment in memory (VirtualAddress + MemorySize).</summary>
        public ulong MemoryEnd => VirtualAddress + MemorySize;
        /// <summary>End of the file-backed pages (FileEnd rounded up; MapStart when FileSize is 0).</summary>
        public ulong FilePagesEnd => FileSize == 0 ? MapStart : ElfImage.PageUp(FileEnd);
    }
}
