using System.Globalization;
using Emulator.Core.Board;
using Emulator.Core.Unicorn;

namespace Emulator;

/// <summary>The QEMU-compatible subset of options that this machine implements.</summary>
public sealed record Options
{
    public CpuModel Cpu { get; init; } = CpuModel.CortexA57;
    public ulong RamSize { get; init; } = 512UL << 20;
    public string? Kernel { get; init; }
    public string? Initrd { get; init; }
    public string? Append { get; init; }
    public string? Dtb { get; init; }
    public string? DumpDtb { get; init; }
    public bool NoReboot { get; init; }
    public bool Help { get; init; }

    public const string Supported =
        "-M/-machine virt[,dumpdtb=FILE], -cpu cortex-a57|cortex-a53|cortex-a72|max, -m SIZE, -kernel FILE, " +
        "-initrd FILE, -append CMDLINE, -dtb FILE, -nographic, -serial stdio, -nic none, -no-reboot, -help";

    public const string Usage = """
        usage: Emulator [options]
        Emulates QEMU's 'virt' AArch64 board. With no -kernel it boots the default guest
        (Debian's Linux with a busybox initramfs, prepared by scripts/setup.sh).

          -M, -machine virt[,dumpdtb=FILE]   the board (only 'virt'); dumpdtb writes the device tree and exits
          -cpu NAME       cortex-a57 (default), cortex-a53, cortex-a72, max
          -m SIZE         RAM size, e.g. 512M (default), 1G; a plain number means MiB
          -kernel FILE    arm64 Linux Image (raw or gzip) or AArch64 ELF
          -initrd FILE    initial ramdisk
          -append STRING  kernel command line
          -dtb FILE       use this device tree instead of the generated one
          -nographic      serial console on the terminal (the default; there is no display yet)
          -serial stdio   serial console on the terminal (the only choice)
          -nic none       no network (the only choice so far; also -net none)
          -no-reboot      exit instead of rebooting when the guest resets
        Console: Ctrl-A x quits, Ctrl-A h helps, Ctrl-A Ctrl-A sends Ctrl-A.
        """;

    public static Options Parse(IReadOnlyList<string> args)
    {
        var options = new Options();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            // QEMU accepts both -opt and --opt.
            var name = arg.StartsWith("--", StringComparison.Ordinal) ? arg[1..] : arg;
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"option '{arg}' needs a value");
                }

                return args[++i];
            }

            options = name switch
            {
                "-M" or "-machine" => ParseMachine(options, Value()),
                "-cpu" => options with { Cpu = ParseCpu(Value()) },
                "-m" => options with { RamSize = ParseSize(Value()) },
                "-kernel" => options with { Kernel = Value() },
                "-initrd" => options with { Initrd = Value() },
                "-append" => options with { Append = Value() },
                "-dtb" => options with { Dtb = Value() },
                "-nographic" => options,
                // The board has no network device yet, so "none" is the only network a QEMU user can ask for.
                "-nic" or "-net" => Value() == "none" ? options : throw new UsageException($"'{arg}' supports only 'none' (there is no network device yet)"),
                "-serial" => Value() == "stdio" ? options : throw new UsageException("only '-serial stdio' is supported"),
                "-no-reboot" => options with { NoReboot = true },
                "-h" or "-help" => options with { Help = true },
                _ => throw new UsageException($"unknown option '{arg}'; supported: {Supported}"),
            };
        }

        return options;
    }

    private static Options ParseMachine(Options options, string value)
    {
        foreach (var part in value.Split(','))
        {
            if (part == "virt" || part == "type=virt")
            {
                continue;
            }

            if (part.StartsWith("dumpdtb=", StringComparison.Ordinal) && part.Length > "dumpdtb=".Length)
            {
                options = options with { DumpDtb = part["dumpdtb=".Length..] };
                continue;
            }

            throw new UsageException($"unsupported machine setting '{part}' (this emulator is the 'virt' board; it accepts 'virt' and 'dumpdtb=FILE')");
        }

        return options;
    }

    private static CpuModel ParseCpu(string value) => value switch
    {
        "cortex-a57" => CpuModel.CortexA57,
        "cortex-a53" => CpuModel.CortexA53,
        "cortex-a72" => CpuModel.CortexA72,
        "max" => CpuModel.Max,
        _ => throw new UsageException($"unsupported CPU '{value}' (cortex-a57, cortex-a53, cortex-a72, max)"),
    };

    /// <summary>QEMU's -m syntax: a number with an optional K/M/G/T suffix (MiB when none), or size=N.</summary>
    public static ulong ParseSize(string value)
    {
        var text = value.StartsWith("size=", StringComparison.Ordinal) ? value[5..] : value;
        var shift = 20;
        if (text.Length > 0 && char.IsLetter(text[^1]))
        {
            shift = char.ToUpperInvariant(text[^1]) switch
            {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => -1,
            };
            text = text[..^1];
        }

        if (shift < 0 || !ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ||
            number == 0 || number > (1UL << (44 - shift)))
        {
            throw new UsageException($"invalid RAM size '{value}' (examples: 512M, 2G)");
        }

        var bytes = number << shift;
        if (bytes < (16UL << 20) || bytes % 0x1000 != 0)
        {
            throw new UsageException($"invalid RAM size '{value}': at least 16M and a whole number of 4 KiB pages");
        }

        var limit = VirtLayout.PhysicalAddressTop - VirtLayout.RamBase;
        return bytes <= limit ? bytes : throw new UsageException($"RAM size '{value}' is larger than the board's address space");
    }
}
