namespace Kernel.Logic
{
    /// <summary>Names for the fields of ESR_EL1 (ARM ARM D17.2.37).</summary>
    public static class ExceptionSyndrome
    {
        /// <summary>Exception classes (ESR_EL1.EC) the kernel tells apart.</summary>
        public const uint EcUnknown = 0x00, EcTrappedWfx = 0x01, EcSimdFpAccess = 0x07, EcIllegalState = 0x0E,
            EcSvc64 = 0x15, EcHvc64 = 0x16, EcSmc64 = 0x17, EcSystemRegister = 0x18,
            EcInstructionAbortLower = 0x20, EcInstructionAbortSame = 0x21, EcPcAlignment = 0x22,
            EcDataAbortLower = 0x24, EcDataAbortSame = 0x25, EcSpAlignment = 0x26, EcFpException64 = 0x2C,
            EcSError = 0x2F, EcBreakpointLower = 0x30, EcBreakpointSame = 0x31, EcStepLower = 0x32,
            EcStepSame = 0x33, EcWatchpointLower = 0x34, EcWatchpointSame = 0x35, EcBrk64 = 0x3C;

        /// <summary>Fault status codes (DFSC/IFSC) by kind: bits [5:2] of the code, the level in [1:0].</summary>
        public const uint FscAddressSize = 0x00, FscTranslation = 0x04, FscAccessFlag = 0x08, FscPermission = 0x0C,
            FscAlignment = 0x21;

        public static uint ExceptionClass(ulong esr) => (uint)(esr >> 26) & 0x3F;

        /// <summary>The fault status code of an abort (ISS bits [5:0]).</summary>
        public static uint FaultStatus(ulong esr) => (uint)esr & 0x3F;

        /// <summary>Translation, access-flag and permission faults at any level: what demand paging answers.</summary>
        public static bool IsPageFault(uint fsc) => fsc >= FscTranslation && fsc <= (FscPermission | 3);

        public static string ClassName(uint ec) => ec switch
        {
            EcUnknown => "unknown reason",
            EcTrappedWfx => "trapped WFI/WFE",
            EcSimdFpAccess => "access to SIMD/FP trapped",
            EcIllegalState => "illegal execution state",
            EcSvc64 => "SVC from AArch64",
            EcHvc64 => "HVC from AArch64",
            EcSmc64 => "SMC from AArch64",
            EcSystemRegister => "trapped MSR/MRS/system instruction",
            EcInstructionAbortLower => "instruction abort from a lower exception level",
            EcInstructionAbortSame => "instruction abort without a change in exception level",
            EcPcAlignment => "PC alignment fault",
            EcDataAbortLower => "data abort from a lower exception level",
            EcDataAbortSame => "data abort without a change in exception level",
            EcSpAlignment => "SP alignment fault",
            EcFpException64 => "trapped floating-point exception",
            EcSError => "SError interrupt",
            EcBreakpointLower => "breakpoint from a lower exception level",
            EcBreakpointSame => "breakpoint without a change in exception level",
            EcStepLower => "software step from a lower exception level",
            EcStepSame => "software step without a change in exception level",
            EcWatchpointLower => "watchpoint from a lower exception level",
            EcWatchpointSame => "watchpoint without a change in exception level",
            EcBrk64 => "BRK instruction",
            _ => "reserved exception class",
        };

        public static bool IsAbort(uint ec) => ec == EcInstructionAbortLower || ec == EcInstructionAbortSame || ec == EcDataAbortLower || ec == EcDataAbortSame;

        /// <summary>The fault status code (DFSC/IFSC) of an abort in words.</summary>
        public static string FaultStatusName(ulong esr)
        {
            uint fsc = FaultStatus(esr);
            uint kind = fsc & 0x3C;
            int level = (int)(fsc & 3);
            if (kind == FscTranslation) return LevelName("translation fault", level, 0);
            if (kind == FscAccessFlag) return LevelName("access flag fault", level, 1);
            if (kind == FscPermission) return LevelName("permission fault", level, 2);
            if (kind == FscAddressSize) return LevelName("address size fault", level, 3);
            return fsc switch
            {
                0x10 => "synchronous external abort",
                0x11 => "synchronous tag check fault",
                FscAlignment => "alignment fault",
                0x30 => "TLB conflict abort",
                _ => "other fault",
            };
        }

        private static string LevelName(string what, int level, int table) => (table * 4 + level) switch
        {
            0 => "translation fault, level 0",
            1 => "translation fault, level 1",
            2 => "translation fault, level 2",
            3 => "translation fault, level 3",
            4 => "access flag fault, level 0",
            5 => "access flag fault, level 1",
            6 => "access flag fault, level 2",
            7 => "access flag fault, level 3",
            8 => "permission fault, level 0",
            9 => "permission fault, level 1",
            10 => "permission fault, level 2",
            11 => "permission fault, level 3",
            12 => "address size fault, level 0",
            13 => "address size fault, level 1",
            14 => "address size fault, level 2",
            _ => "address size fault, level 3",
        };

        /// <summary>For data aborts: whether the access was a write (ISS.WnR).</summary>
        public static bool IsWrite(ulong esr) => (esr & (1UL << 6)) != 0;
    }
}
