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
}
