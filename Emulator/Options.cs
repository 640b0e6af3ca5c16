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

    /// <summary>virtio devices in the order QEMU creates them: every -device, then the if=virtio drives.</summary>
    public IReadOnlyList<VirtioDeviceSpec> VirtioDevices { get; init; } = [];

    /// <summary>virtio-mmio's register layout: legacy unless -global virtio-mmio.force-legacy=false.</summary>
    public bool VirtioLegacy { get; init; } = true;
    public bool Help { get; init; }

    /// <summary>What boots when no -kernel is given: our managed kernel (default) or Debian's Linux, both on the default disk.</summary>
    public DefaultGuestKind Guest { get; init; } = DefaultGuestKind.Managed;

    public const string Supported =
        "-M/-machine virt[,dumpdtb=FILE], -cpu cortex-a57|cortex-a53|cortex-a72|max, -m SIZE, -kernel FILE, " +
        "-initrd FILE, -append CMDLINE, -dtb FILE, -drive file=F,format=raw,if=none|virtio[,id=X][,readonly=on], " +
        "-device virtio-blk-device,drive=X[,serial=S]|virtio-rng-device, -global virtio-mmio.force-legacy=false, " +
        "-nographic, -serial stdio, -nic none, -no-reboot, -guest managed|linux, -help";

    public const string Usage = """
        usage: Emulator [options]
        Emulates QEMU's 'virt' AArch64 board. With no -kernel it boots the default guest: the
        managed kernel (Kernel/) with its root on the default disk (busybox, built from disk-images/
        by scripts/setup.sh; a working copy of it lives in the cache folder), or with -guest linux
        Debian's Linux on the same disk.

          -M, -machine virt[,dumpdtb=FILE]   the board (only 'virt'); dumpdtb writes the device tree and exits
          -cpu NAME       cortex-a57 (default), cortex-a53, cortex-a72, max
          -m SIZE         RAM size, e.g. 512M (default), 1G; a plain number means MiB
          -kernel FILE    arm64 Linux Image (raw or gzip) or AArch64 ELF
          -initrd FILE    initial ramdisk
          -append STRING  kernel command line
          -dtb FILE       use this device tree instead of the generated one
          -drive file=FILE,format=raw,if=none,id=ID[,readonly=on]
                          a raw disk image for -device virtio-blk-device,drive=ID
          -drive file=FILE,format=raw,if=virtio[,readonly=on]
                          a raw disk image on its own virtio-blk device
          -device virtio-blk-device,drive=ID[,serial=SERIAL]
                          a virtio block device (virtio-mmio) on the drive ID
          -device virtio-rng-device
                          a virtio entropy source fed by the host's random number generator
          -global virtio-mmio.force-legacy=false
                          virtio-mmio version 2 registers instead of the legacy version 1
          -nographic      serial console on the terminal (the default; there is no display yet)
          -serial stdio   serial console on the terminal (the only choice)
          -nic none       no network (the only choice so far; also -net none)
          -no-reboot      exit instead of rebooting when the guest resets
          -guest managed|linux
                          the default guest (no -kernel): the managed kernel (default) or Debian's Linux
        Console: Ctrl-A x quits, Ctrl-A h helps, Ctrl-A Ctrl-A sends Ctrl-A.
        """;

    private static DefaultGuestKind ParseGuest(string value) => value switch
    {
        "managed" => DefaultGuestKind.Managed,
        "linux" => DefaultGuestKind.Linux,
        _ => throw new UsageException($"-guest '{value}': choose managed (the managed kernel) or linux (Debian's Linux)"),
    };

    public static Options Parse(IReadOnlyList<string> args)
    {
        var options = new Options();
        var drives = new List<Drive>();
        var devices = new List<(string Driver, Dictionary<string, string> Properties)>();
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
                "-drive" => AddDrive(options, drives, Value()),
                "-device" => AddDevice(options, devices, Value()),
                "-global" => ParseGlobal(options, Value()),
                "-nographic" => options,
                // The board has no network device yet, so "none" is the only network a QEMU user can ask for.
                "-nic" or "-net" => Value() == "none" ? options : throw new UsageException($"'{arg}' supports only 'none' (there is no network device yet)"),
                "-serial" => Value() == "stdio" ? options : throw new UsageException("only '-serial stdio' is supported"),
                "-no-reboot" => options with { NoReboot = true },
                "-h" or "-help" => options with { Help = true },
                "-guest" => options with { Guest = ParseGuest(Value()) },
                _ => throw new UsageException($"unknown option '{arg}'; supported: {Supported}"),
            };
        }

        return options with { VirtioDevices = ResolveVirtio(drives, devices) };
    }

    /// <summary>A -drive option: the image and how it is attached.</summary>
    private sealed record Drive(string Id, string File, bool ReadOnly, bool OnItsOwn)
    {
        public bool Used { get; set; }
    }

    /// <summary>QEMU's KEY=VALUE[,KEY=VALUE] option syntax (a doubled comma is a comma in a value); the first part may be a bare name.</summary>
    private static (string? Name, Dictionary<string, string> Properties) SplitProperties(string option, string value)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == ',' && i + 1 < value.Length && value[i + 1] == ',')
            {
                current.Append(',');
                i++;
            }
            else if (value[i] == ',')
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(value[i]);
            }
        }

        parts.Add(current.ToString());
        string? name = null;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < parts.Count; i++)
        {
            var equals = parts[i].IndexOf('=');
            if (equals < 0 && i == 0)
            {
                name = parts[i];
                continue;
            }

            if (equals <= 0)
            {
                throw new UsageException($"{option} '{value}': '{parts[i]}' is not KEY=VALUE");
            }

            var key = parts[i][..equals];
            if (!properties.TryAdd(key, parts[i][(equals + 1)..]))
            {
                throw new UsageException($"{option} '{value}': '{key}' is given twice");
            }
        }

        return (name, properties);
    }

    private static bool ParseOnOff(string option, string key, string value) => value switch
    {
        "on" or "yes" or "true" => true,
        "off" or "no" or "false" => false,
        _ => throw new UsageException($"{option}: {key}='{value}' must be on or off"),
    };

    private static Options AddDrive(Options options, List<Drive> drives, string value)
    {
        var (name, properties) = SplitProperties("-drive", value);
        if (name != null)
        {
            properties.TryAdd("file", name);
        }

        string? file = null;
        string? id = null;
        var format = "raw";
        var attachment = "virtio"; // the virt board's default interface
        var readOnly = false;
        foreach (var (key, text) in properties)
        {
            switch (key)
            {
                case "file":
                    file = text;
                    break;
                case "format":
                    format = text;
                    break;
                case "if":
                    attachment = text;
                    break;
                case "id":
                    id = text;
                    break;
                case "readonly":
                    readOnly = ParseOnOff("-drive", key, text);
                    break;
                default:
                    throw new UsageException($"-drive: unsupported setting '{key}' (file, format=raw, if=none|virtio, id, readonly)");
            }
        }

        if (string.IsNullOrEmpty(file))
        {
            throw new UsageException($"-drive '{value}': no file= given");
        }

        if (format != "raw")
        {
            throw new UsageException($"-drive '{value}': format '{format}' is not supported (only raw images)");
        }

        if (attachment is not ("none" or "virtio"))
        {
            throw new UsageException($"-drive '{value}': if={attachment} is not supported (none or virtio)");
        }

        id ??= attachment == "virtio" ? $"virtio{drives.Count(d => d.OnItsOwn)}" : $"none{drives.Count(d => !d.OnItsOwn)}";
        if (drives.Any(d => d.Id == id))
        {
            throw new UsageException($"-drive '{value}': duplicate drive id '{id}'");
        }

        drives.Add(new Drive(id, file, readOnly, attachment == "virtio"));
        return options;
    }

    private static Options AddDevice(Options options, List<(string, Dictionary<string, string>)> devices, string value)
    {
        var (driver, properties) = SplitProperties("-device", value);
        if (properties.Remove("driver", out var named))
        {
            driver ??= named;
        }

        switch (driver)
        {
            case "virtio-blk-device":
                foreach (var key in properties.Keys.Where(k => k is not ("drive" or "serial")))
                {
                    throw new UsageException($"-device virtio-blk-device: unsupported property '{key}' (drive, serial)");
                }

                break;
            case "virtio-rng-device":
                foreach (var key in properties.Keys)
                {
                    throw new UsageException($"-device virtio-rng-device: unsupported property '{key}'");
                }

                break;
            default:
                throw new UsageException($"-device '{driver}' is not supported (virtio-blk-device, virtio-rng-device)");
        }

        devices.Add((driver, properties));
        return options;
    }

    private static Options ParseGlobal(Options options, string value)
    {
        const string ForceLegacy = "virtio-mmio.force-legacy=";
        if (!value.StartsWith(ForceLegacy, StringComparison.Ordinal))
        {
            throw new UsageException($"-global '{value}' is not supported (only virtio-mmio.force-legacy=on|off)");
        }

        return options with { VirtioLegacy = ParseOnOff("-global", "virtio-mmio.force-legacy", value[ForceLegacy.Length..]) };
    }

    /// <summary>Binds devices to drives; QEMU creates the -device ones first, then a virtio-blk for each if=virtio drive.</summary>
    private static List<VirtioDeviceSpec> ResolveVirtio(List<Drive> drives, List<(string Driver, Dictionary<string, string> Properties)> devices)
    {
        var specs = new List<VirtioDeviceSpec>();
        foreach (var (driver, properties) in devices)
        {
            if (driver == "virtio-rng-device")
            {
                specs.Add(new VirtioRngSpec());
                continue;
            }

            if (!properties.TryGetValue("drive", out var id))
            {
                throw new UsageException("-device virtio-blk-device: drive property not set (drive=ID of a -drive)");
            }

            var drive = drives.FirstOrDefault(d => d.Id == id) ??
                throw new UsageException($"-device virtio-blk-device: no -drive with id '{id}'");
            if (drive.Used || drive.OnItsOwn)
            {
                throw new UsageException($"-device virtio-blk-device: drive '{id}' is already in use by another device");
            }

            drive.Used = true;
            specs.Add(new VirtioBlockSpec(drive.File, drive.ReadOnly, properties.GetValueOrDefault("serial", "")));
        }

        foreach (var drive in drives.Where(d => d.OnItsOwn))
        {
            specs.Add(new VirtioBlockSpec(drive.File, drive.ReadOnly));
        }

        if (specs.Count > VirtLayout.VirtioCount)
        {
            throw new UsageException($"too many virtio devices ({specs.Count}): the board has {VirtLayout.VirtioCount} virtio-mmio transports");
        }

        return specs;
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
