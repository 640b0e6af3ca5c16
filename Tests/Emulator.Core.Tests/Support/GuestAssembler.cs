using System.Collections.Concurrent;
using System.Globalization;

namespace Emulator.Core.Tests.Support;

/// <summary>
/// Assembles AArch64 test guests with the GNU binutils (aarch64-linux-gnu-as/ld/objcopy/nm). The program
/// is linked so that its first instruction (symbol <c>_start</c>) sits at the given address, and every
/// program gets <see cref="Prelude"/>. Results are cached per source text, so theories pay once.
/// </summary>
internal static class GuestAssembler
{
    private const string Binutils = "binutils-aarch64-linux-gnu";

    private static readonly ConcurrentDictionary<(string, ulong), Lazy<GuestProgram>> Cache = new();

    /// <summary>
    /// Macros every guest can use. <c>power_off</c> is PSCI SYSTEM_OFF through HVC, the way every test
    /// guest ends; <c>psci</c> makes any PSCI call (function id in w0).
    /// </summary>
    public const string Prelude = """
            .macro psci id
            movz x0, #((\id) & 0xffff)
            movk x0, #(((\id) >> 16) & 0xffff), lsl #16
            hvc #0
            .endm

            .macro power_off
            psci 0x84000008
            b .
            .endm

            .macro load_imm reg, value
            movz \reg, #((\value) & 0xffff)
            movk \reg, #(((\value) >> 16) & 0xffff), lsl #16
            movk \reg, #(((\value) >> 32) & 0xffff), lsl #32
            movk \reg, #(((\value) >> 48) & 0xffff), lsl #48
            .endm

        """;

    /// <summary>
    /// A vector table (symbol <c>vectors</c>, to be put in VBAR_EL1) whose every entry records what an
    /// exception left behind and powers off: x21 = the entry's offset from VBAR, x22 = ELR_EL1,
    /// x23 = ESR_EL1, x24 = SPSR_EL1, x25 = FAR_EL1, x26 = SP_EL0, x27 = SP in the handler,
    /// x28 = CurrentEL, x20 = DAIF. x19 is left for the test's own use.
    /// </summary>
    public const string RecordingVectors = """
            .balign 0x800
        vectors:
            .irp slot, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
            .balign 0x80
            mov x21, #(\slot * 0x80)
            b record_exception
            .endr
        record_exception:
            mrs x22, elr_el1
            mrs x23, esr_el1
            mrs x24, spsr_el1
            mrs x25, far_el1
            mrs x26, sp_el0
            mov x27, sp
            mrs x28, currentel
            mrs x20, daif
            power_off

        """;

    public static GuestProgram Assemble(string source, ulong address) =>
        Cache.GetOrAdd((source, address), key => new Lazy<GuestProgram>(() => Build(key.Item1, key.Item2))).Value;

    private static GuestProgram Build(string source, ulong address)
    {
        var directory = Directory.CreateTempSubdirectory("guest-asm-").FullName;
        try
        {
            var sourcePath = Path.Combine(directory, "guest.s");
            var objectPath = Path.Combine(directory, "guest.o");
            var scriptPath = Path.Combine(directory, "guest.ld");
            var elfPath = Path.Combine(directory, "guest.elf");
            var binaryPath = Path.Combine(directory, "guest.bin");
            File.WriteAllText(sourcePath, "    .text\n    .global _start\n" + Prelude + source + "\n");
            // A linker script of our own: one PT_LOAD starting exactly at the code, no headers loaded below it.
            File.WriteAllText(scriptPath,
                $"ENTRY(_start)\nSECTIONS {{ . = 0x{address:x}; .text : {{ *(.text*) }} .data : {{ *(.data*) }} " +
                ".bss : { *(.bss*) } /DISCARD/ : { *(.note*) } }\n");

            ExternalTool.RunClean("aarch64-linux-gnu-as", Binutils, "-o", objectPath, sourcePath);
            ExternalTool.RunClean("aarch64-linux-gnu-ld", Binutils, "-T", scriptPath, "--build-id=none", "-o", elfPath, objectPath);
            ExternalTool.RunClean("aarch64-linux-gnu-objcopy", Binutils, "-O", "binary", elfPath, binaryPath);
            var symbols = new Dictionary<string, ulong>();
            foreach (var line in ExternalTool.RunClean("aarch64-linux-gnu-nm", Binutils, elfPath).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 3)
                {
                    symbols[parts[2]] = ulong.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                }
            }

            Assert.True(symbols.GetValueOrDefault("_start") == address, $"the guest program must begin with _start (at 0x{address:x})");
            return new GuestProgram(address, File.ReadAllBytes(binaryPath), File.ReadAllBytes(elfPath), symbols);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
