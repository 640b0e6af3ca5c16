using System.Globalization;
using System.Net;
using Emulator.Core.Board;
using Emulator.Core.Qmp;
using Emulator.Core.Unicorn;
using Emulator.Devices.Net;

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

    /// <summary>The user chose the network (-netdev, -nic or -net, including 'none'): the default guest then gets no network of its own.</summary>
    public bool NetworkGiven { get; init; }

    public bool Help { get; init; }

    /// <summary>-device ramfb: a framebuffer the guest sets up through fw_cfg.</summary>
    public bool Ramfb { get; init; }

    /// <summary>-display: none (no window; also what -nographic means) or sdl (a window); Default when neither is given.</summary>
    public DisplayKind Display { get; init; } = DisplayKind.Default;

    /// <summary>Each -qmp: a QMP server's socket.</summary>
    public IReadOnlyList<QmpEndpoint> Qmp { get; init; } = [];

    /// <summary>Where the gdb stub listens (-s, -gdb tcp:HOST:PORT); null: no stub.</summary>
    public IPEndPoint? Gdb { get; init; }

    /// <summary>-S: the CPU waits for the debugger before its first instruction.</summary>
    public bool HaltAtStart { get; init; }

    /// <summary>What boots when no -kernel is given: our managed kernel (default) or Debian's Linux, both on the default disk.</summary>
    public DefaultGuestKind Guest { get; init; } = DefaultGuestKind.Managed;

    public const string Supported =
        "-M/-machine virt[,dumpdtb=FILE], -cpu cortex-a57|cortex-a53|cortex-a72|max, -m SIZE, -kernel FILE, " +
        "-initrd FILE, -append CMDLINE, -dtb FILE, -drive file=F,format=raw,if=none|virtio[,id=X][,readonly=on], " +
        "-device virtio-blk-device,drive=X[,serial=S]|virtio-rng-device|virtio-keyboard-device|virtio-tablet-device|virtio-mouse-device|virtio-net-device,netdev=N[,mac=M]|ramfb, " +
        "-netdev user,id=N[,hostfwd=[tcp|udp]:[ADDR]:PORT-[ADDR]:PORT][,restrict=on|off][,net=ADDR/MASK][,host=ADDR][,dhcpstart=ADDR][,dns=ADDR][,hostname=NAME], " +
        "-netdev socket,id=N,udp=HOST:PORT,localaddr=HOST:PORT, " +
        "-nic user[,...]|socket,...|none, -global virtio-mmio.force-legacy=false, -nographic, -display none|sdl, " +
        "-qmp unix:PATH,server=on,wait=off|tcp:HOST:PORT,server=on,wait=off, -serial stdio, -no-reboot, -s, -S, -gdb tcp:[HOST]:PORT, -guest managed|linux|debian, -help";

    public const string Usage = """
        usage: Emulator [options]
        Emulates QEMU's 'virt' AArch64 board. With no -kernel it boots the default guest: the
        managed kernel (Kernel/) with its root on the default disk (busybox, built from disk-images/
        by scripts/setup.sh; a working copy of it lives in the cache folder), or with -guest linux
        Debian's Linux on the same disk, or with -guest debian the managed kernel on the Debian image
        (bookworm's bash, coreutils, python3...; its own working copy).

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
          -device virtio-keyboard-device|virtio-tablet-device|virtio-mouse-device[,serial=S]
                          QEMU's virtio input devices; QMP's send-key and input-send-event type into them
          -netdev user,id=ID[,hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:PORT]...[,restrict=on|off]
                 [,net=ADDR[/MASK]][,host=ADDR][,dhcpstart=ADDR][,dns=ADDR][,hostname=NAME]
                          user-mode networking (libslirp, as QEMU): DHCP, DNS, outbound TCP/UDP; hostfwd
                          forwards a host port into the guest, on 127.0.0.1 unless HOSTADDR is given
          -netdev socket,id=ID,udp=HOST:PORT,localaddr=HOST:PORT
                          raw frames over UDP (as QEMU): each datagram is one Ethernet frame; the guest's go
                          to udp=, those arriving at localaddr= (from anyone) go to the guest
          -device virtio-net-device,netdev=ID[,mac=52:54:00:12:34:56]
                          a virtio network card (virtio-mmio) on the network ID
          -nic user|socket[,NETDEV SETTINGS][,mac=MAC][,model=virtio-net-device]
                          both at once (QEMU's virt makes a PCI card; this board has no PCI)
          -nic none       no network (also -net none)
          -global virtio-mmio.force-legacy=false
                          virtio-mmio version 2 registers instead of the legacy version 1
          -device ramfb   a framebuffer in guest RAM that the guest sets up through fw_cfg (etc/ramfb);
                          for a Linux Image, set up as firmware would (1024x768) and described to Linux
                          as a simple-framebuffer (add console=tty0 for its messages); QMP's screendump
                          saves it
          -nographic      serial console on the terminal, no window
          -display none|sdl
                          none: no window; sdl: a window showing ramfb's picture, which types into the
                          virtio keyboard (and points with the virtio tablet); closing it quits. The default:
                          a window when $DISPLAY or $WAYLAND_DISPLAY is set and -device ramfb is given
          -qmp unix:PATH,server=on,wait=off
          -qmp tcp:HOST:PORT,server=on,wait=off
                          a QMP server (QEMU Machine Protocol): qmp_capabilities, query-status, screendump,
                          system_powerdown, quit
          -serial stdio   serial console on the terminal (the only choice)
          -no-reboot      exit instead of rebooting when the guest resets
          -gdb tcp:[HOST]:PORT
                          a gdb stub on that TCP port (on 127.0.0.1 unless HOST is given)
          -s              the same as -gdb tcp::1234
          -S              do not start the CPU until gdb says continue
          -guest managed|linux
                          the default guest (no -kernel): the managed kernel (default) or Debian's Linux
        Console: Ctrl-A x quits, Ctrl-A h helps, Ctrl-A Ctrl-A sends Ctrl-A.
        """;

    /// <summary>
    /// -gdb's device: only tcp:[HOST]:PORT (QEMU also takes other character devices). An empty host is
    /// 127.0.0.1, not every address as in QEMU: whoever reaches the stub controls the machine.
    /// </summary>
    internal static IPEndPoint ParseGdb(string value)
    {
        var bad = $"-gdb '{value}': only tcp:[HOST]:PORT is supported (for example tcp::1234)";
        if (!value.StartsWith("tcp:", StringComparison.Ordinal))
        {
            throw new UsageException(bad);
        }

        var rest = value["tcp:".Length..];
        var colon = rest.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new UsageException(bad);
        }

        var host = rest[..colon];
        if (host.Length == 0 || host == "localhost")
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        return IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : throw new UsageException(bad);
    }

    private static DefaultGuestKind ParseGuest(string value) => value switch
    {
        "managed" => DefaultGuestKind.Managed,
        "linux" => DefaultGuestKind.Linux,
        "debian" => DefaultGuestKind.Debian,
        _ => throw new UsageException($"-guest '{value}': choose managed (the managed kernel), linux (Debian's Linux) or debian (the managed kernel on the Debian image)"),
    };

    public static Options Parse(IReadOnlyList<string> args)
    {
        var options = new Options();
        var drives = new List<Drive>();
        var devices = new List<(string Driver, Dictionary<string, string> Properties)>();
        var netdevs = new Dictionary<string, NetworkBackendConfig>(StringComparer.Ordinal);
        var nics = new List<(string Driver, Dictionary<string, string> Properties)>();
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
                "-nographic" => options with { Display = DisplayKind.None },
                "-display" => options with { Display = ParseDisplay(Value()) },
                "-qmp" => options with { Qmp = [.. options.Qmp, ParseQmp(Value())] },
                "-netdev" => AddNetdev(options, netdevs, Value()),
                "-nic" => AddNic(options, netdevs, nics, Value()),
                "-net" => Value() == "none" ? options with { NetworkGiven = true } : throw new UsageException("-net supports only 'none'; use -netdev user,id=N with -device virtio-net-device,netdev=N, or -nic user"),
                "-serial" => Value() == "stdio" ? options : throw new UsageException("only '-serial stdio' is supported"),
                "-no-reboot" => options with { NoReboot = true },
                "-s" => options with { Gdb = new IPEndPoint(IPAddress.Loopback, 1234) },
                "-S" => options with { HaltAtStart = true },
                "-gdb" => options with { Gdb = ParseGdb(Value()) },
                "-h" or "-help" => options with { Help = true },
                "-guest" => options with { Guest = ParseGuest(Value()) },
                _ => throw new UsageException($"unknown option '{arg}'; supported: {Supported}"),
            };
        }

        if (options.HaltAtStart && options.Gdb == null)
        {
            // QEMU would wait for its monitor's 'cont'; this emulator has no monitor, so only gdb can start the CPU.
            throw new UsageException("-S needs a gdb stub to continue from (-s or -gdb tcp:[HOST]:PORT): there is no monitor");
        }

        return options with { VirtioDevices = ResolveVirtio(drives, [.. devices, .. nics], netdevs) };
    }

    /// <summary>A -drive option: the image and how it is attached.</summary>
    private sealed record Drive(string Id, string File, bool ReadOnly, bool OnItsOwn)
    {
        public bool Used { get; set; }
    }

    /// <summary>QEMU's KEY=VALUE[,KEY=VALUE] option syntax (a doubled comma is a comma in a value); the first part may be a bare name.</summary>
    private static (string? Name, Dictionary<string, string> Properties) SplitProperties(string option, string value)
    {
        var (name, list) = SplitPropertyList(option, value);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, text) in list)
        {
            if (!properties.TryAdd(key, text))
            {
                throw new UsageException($"{option} '{value}': '{key}' is given twice");
            }
        }

        return (name, properties);
    }

    /// <summary>As <see cref="SplitProperties"/>, keeping the order and repeated keys (-netdev's hostfwd).</summary>
    private static (string? Name, List<(string Key, string Value)> Properties) SplitPropertyList(string option, string value)
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
        var properties = new List<(string, string)>();
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

            properties.Add((parts[i][..equals], parts[i][(equals + 1)..]));
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
            case "ramfb":
                foreach (var key in properties.Keys)
                {
                    throw new UsageException($"-device ramfb: unsupported property '{key}'");
                }

                return options.Ramfb
                    ? throw new UsageException("-device ramfb: only one ramfb device is supported")
                    : options with { Ramfb = true };
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
            case "virtio-net-device":
                foreach (var key in properties.Keys.Where(k => k is not ("netdev" or "mac")))
                {
                    throw new UsageException($"-device virtio-net-device: unsupported property '{key}' (netdev, mac)");
                }

                break;
            case "virtio-keyboard-device" or "virtio-mouse-device" or "virtio-tablet-device":
                foreach (var key in properties.Keys.Where(k => k is not "serial"))
                {
                    throw new UsageException($"-device {driver}: unsupported property '{key}' (serial)");
                }

                break;
            default:
                throw new UsageException($"-device '{driver}' is not supported (virtio-blk-device, virtio-rng-device, virtio-net-device, virtio-keyboard-device, virtio-mouse-device, virtio-tablet-device, ramfb)");
        }

        devices.Add((driver, properties));
        return options;
    }

    /// <summary>A virtio-net-device: its netdev (each used once) and MAC (QEMU's 52:54:00:12:34:56 plus the count of NICs given none).</summary>
    private static VirtioNetSpec ResolveNic(Dictionary<string, string> properties, Dictionary<string, NetworkBackendConfig> netdevs,
        HashSet<string> used, ref int defaultMacs)
    {
        if (!properties.TryGetValue("netdev", out var id))
        {
            throw new UsageException("-device virtio-net-device: netdev property not set (netdev=ID of a -netdev)");
        }

        if (!netdevs.TryGetValue(id, out var network))
        {
            throw new UsageException($"-device virtio-net-device: no -netdev with id '{id}'");
        }

        if (!used.Add(id))
        {
            throw new UsageException($"-device virtio-net-device: netdev '{id}' is already in use by another device");
        }

        MacAddress mac;
        if (properties.TryGetValue("mac", out var text))
        {
            if (!MacAddress.TryParse(text, out mac) || mac.IsMulticast)
            {
                throw new UsageException($"-device virtio-net-device: mac '{text}' is not a unicast MAC address (like 52:54:00:12:34:56)");
            }
        }
        else
        {
            mac = MacAddress.QemuDefault(defaultMacs++);
        }

        return new VirtioNetSpec(mac, network);
    }

    private static Options AddNetdev(Options options, Dictionary<string, NetworkBackendConfig> netdevs, string value)
    {
        var (type, list) = SplitPropertyList("-netdev", value);
        if (type is not ("user" or "socket"))
        {
            throw new UsageException($"-netdev '{value}': only 'user' and 'socket' networking are supported (-netdev user,id=ID,... or -netdev socket,id=ID,udp=...,localaddr=...)");
        }

        var id = list.Where(p => p.Key == "id").Select(p => p.Value).LastOrDefault();
        if (string.IsNullOrEmpty(id))
        {
            throw new UsageException($"-netdev '{value}': no id= given");
        }

        if (netdevs.ContainsKey(id))
        {
            throw new UsageException($"-netdev '{value}': duplicate netdev id '{id}'");
        }

        netdevs[id] = ParseNetwork("-netdev", type, value, list.Where(p => p.Key != "id"));
        return options with { NetworkGiven = true };
    }

    /// <summary>-nic user,...: a netdev and a virtio-net-device at once; -nic none: no network.</summary>
    private static Options AddNic(Options options, Dictionary<string, NetworkBackendConfig> netdevs,
        List<(string Driver, Dictionary<string, string> Properties)> nics, string value)
    {
        var (type, list) = SplitPropertyList("-nic", value);
        if (type == "none" && list.Count == 0)
        {
            return options with { NetworkGiven = true };
        }

        if (type is not ("user" or "socket"))
        {
            throw new UsageException($"-nic '{value}': only 'user' or 'socket' networking, or 'none', is supported");
        }

        var device = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, text) in list.Where(p => p.Key is "mac" or "model"))
        {
            if (key == "model" && text is not ("virtio-net-device" or "virtio"))
            {
                throw new UsageException($"-nic: model '{text}' is not supported (virtio-net-device: this board has no PCI)");
            }

            if (key == "mac")
            {
                device["mac"] = text;
            }
        }

        var id = $"nic{nics.Count}";
        while (netdevs.ContainsKey(id))
        {
            id += "_";
        }

        netdevs[id] = ParseNetwork("-nic", type, value, list.Where(p => p.Key is not ("mac" or "model")));
        device["netdev"] = id;
        nics.Add(("virtio-net-device", device));
        return options with { NetworkGiven = true };
    }

    private static NetworkBackendConfig ParseNetwork(string option, string type, string value, IEnumerable<(string Key, string Value)> settings) =>
        type == "socket" ? ParseSocketNetwork(option, settings) : ParseUserNetwork(option, value, settings);

    /// <summary>
    /// -netdev socket's UDP form, as QEMU 7.2: udp=HOST:PORT (where the guest's frames go) and localaddr=HOST:PORT
    /// (the socket's own address, where frames for the guest arrive), both required. The stream and multicast forms
    /// (listen=, connect=, mcast=) and fd= are not supported.
    /// </summary>
    private static UdpSocketNetworkConfig ParseSocketNetwork(string option, IEnumerable<(string Key, string Value)> settings)
    {
        IPEndPoint? remote = null, local = null;
        foreach (var (key, text) in settings)
        {
            switch (key)
            {
                case "udp":
                    remote = ParseHostPort(option, key, text, portMayBeZero: false);
                    break;
                case "localaddr":
                    local = ParseHostPort(option, key, text, portMayBeZero: true);
                    break;
                case "listen" or "connect" or "mcast" or "fd":
                    throw new UsageException($"{option} socket: {key}= is not supported (only the UDP form: udp=HOST:PORT,localaddr=HOST:PORT)");
                default:
                    throw new UsageException($"{option} socket: unsupported setting '{key}' (udp, localaddr)");
            }
        }

        if (remote == null)
        {
            throw new UsageException($"{option} socket: udp=HOST:PORT not given (only the UDP form is supported: udp=HOST:PORT,localaddr=HOST:PORT)");
        }

        return local == null
            ? throw new UsageException($"{option} socket: localaddr=HOST:PORT is mandatory with udp=")
            : new UdpSocketNetworkConfig(remote, local);
    }

    /// <summary>HOST:PORT with an IPv4 address or localhost as the host; an empty host is any address (as QEMU).</summary>
    private static IPEndPoint ParseHostPort(string option, string key, string text, bool portMayBeZero)
    {
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            throw new UsageException($"{option} socket: {key}='{text}' is not HOST:PORT");
        }

        var hostText = text[..colon];
        uint address = 0;
        if (hostText == "localhost")
        {
            address = 0x7F00_0001;
        }
        else if (hostText.Length > 0 && !UserNetworkConfig.TryParseAddress(hostText, out address))
        {
            throw new UsageException($"{option} socket: {key}='{text}': '{hostText}' is not an IPv4 address");
        }

        var portText = text[(colon + 1)..];
        if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || (port == 0 && !portMayBeZero))
        {
            throw new UsageException($"{option} socket: {key}='{text}': '{portText}' is not a port ({(portMayBeZero ? 0 : 1)} to 65535)");
        }

        return new IPEndPoint(new IPAddress([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]), port);
    }

    /// <summary>
    /// -netdev user's settings, with QEMU's defaults and checks: net=ADDR[/MASK] (10.0.2.0/24; a mask is a
    /// prefix length or a dotted quad), host (.2), dns (.3) and dhcpstart (.15) in that network, restrict,
    /// hostname, and any number of hostfwd rules. A forward without a host address listens on 127.0.0.1 only
    /// (QEMU listens on every address).
    /// </summary>
    private static UserNetworkConfig ParseUserNetwork(string option, string value, IEnumerable<(string Key, string Value)> settings)
    {
        var config = new UserNetworkConfig();
        uint? host = null, dns = null, dhcpStart = null;
        var forwards = new List<HostForward>();
        foreach (var (key, text) in settings)
        {
            switch (key)
            {
                case "net":
                    config = ParseNet(option, text, config);
                    break;
                case "host":
                    host = ParseAddress(option, key, text);
                    break;
                case "dns":
                    dns = ParseAddress(option, key, text);
                    break;
                case "dhcpstart":
                    dhcpStart = ParseAddress(option, key, text);
                    break;
                case "restrict":
                    config = config with { Restricted = ParseOnOff(option, key, text) };
                    break;
                case "hostname":
                    config = config with { Hostname = text };
                    break;
                case "hostfwd":
                    forwards.Add(ParseHostForward(option, text));
                    break;
                case "ipv4" when ParseOnOff(option, key, text):
                case "ipv6" when !ParseOnOff(option, key, text):
                    break; // IPv4 only: that is what this network does
                case "ipv4" or "ipv6":
                    throw new UsageException($"{option}: {key}={text} is not supported (the network is IPv4 only)");
                default:
                    throw new UsageException($"{option}: unsupported setting '{key}' (hostfwd, restrict, net, host, dhcpstart, dns, hostname, ipv4=on, ipv6=off)");
            }
        }

        config = config with
        {
            Host = host ?? config.Network | 2,
            Dns = dns ?? config.Network | 3,
            DhcpStart = dhcpStart ?? config.Network | 15,
            Forwards = forwards,
        };
        foreach (var (name, address) in new[] { ("host", config.Host), ("dns", config.Dns), ("dhcpstart", config.DhcpStart) })
        {
            if ((address & config.Mask) != config.Network)
            {
                throw new UsageException($"{option}: {name}={UserNetworkConfig.Format(address)} is not in the network {UserNetworkConfig.Format(config.Network)}/{UserNetworkConfig.Format(config.Mask)}");
            }
        }

        return config;
    }

    private static UserNetworkConfig ParseNet(string option, string text, UserNetworkConfig config)
    {
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        var address = ParseAddress(option, "net", addressText);
        var mask = 0xFFFF_FF00u;
        if (slash >= 0)
        {
            var maskText = text[(slash + 1)..];
            if (int.TryParse(maskText, NumberStyles.None, CultureInfo.InvariantCulture, out var bits) && maskText.Length <= 2)
            {
                if (bits is < 1 or > 30)
                {
                    throw new UsageException($"{option}: net={text}: the prefix length must be 1 to 30");
                }

                mask = uint.MaxValue << (32 - bits);
            }
            else if (!UserNetworkConfig.TryParseAddress(maskText, out mask) || mask == 0 || (~mask & (~mask + 1)) != 0 || (~mask) < 3)
            {
                throw new UsageException($"{option}: net={text}: '{maskText}' is not a network mask (a prefix length like 24, or 255.255.255.0)");
            }
        }

        return config with { Network = address & mask, Mask = mask };
    }

    private static uint ParseAddress(string option, string key, string text) =>
        UserNetworkConfig.TryParseAddress(text, out var address)
            ? address
            : throw new UsageException($"{option}: {key}='{text}' is not an IPv4 address");

    /// <summary>hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT.</summary>
    private static HostForward ParseHostForward(string option, string text)
    {
        var bad = $"{option}: hostfwd='{text}' is not [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT";
        var colon = text.IndexOf(':');
        var dash = text.IndexOf('-');
        if (colon < 0 || dash < colon)
        {
            throw new UsageException(bad);
        }

        var protocol = text[..colon];
        if (protocol is not ("" or "tcp" or "udp"))
        {
            throw new UsageException($"{option}: hostfwd='{text}': protocol '{protocol}' is not tcp or udp");
        }

        (uint Address, ushort Port) Side(string part, uint whenEmpty)
        {
            var last = part.LastIndexOf(':');
            if (last < 0)
            {
                throw new UsageException(bad);
            }

            var addressText = part[..last];
            var address = whenEmpty;
            if (addressText.Length > 0 && !UserNetworkConfig.TryParseAddress(addressText, out address))
            {
                throw new UsageException($"{option}: hostfwd='{text}': '{addressText}' is not an IPv4 address");
            }

            var portText = part[(last + 1)..];
            if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
            {
                throw new UsageException($"{option}: hostfwd='{text}': '{portText}' is not a port (1 to 65535)");
            }

            return (address, port);
        }

        var (hostAddress, hostPort) = Side(text[(colon + 1)..dash], 0x7F00_0001); // 127.0.0.1, not QEMU's any address
        var (guestAddress, guestPort) = Side(text[(dash + 1)..], 0); // 0: the first DHCP address

        return new HostForward(protocol == "udp", hostAddress, hostPort, guestAddress, guestPort);
    }

    /// <summary>-display TYPE[,OPTIONS]: none or sdl, without options.</summary>
    private static DisplayKind ParseDisplay(string value) => value switch
    {
        "none" => DisplayKind.None,
        "sdl" => DisplayKind.Sdl,
        _ => throw new UsageException($"-display '{value}' is not supported (none, sdl)"),
    };

    /// <summary>
    /// -qmp unix:PATH,server=on,wait=off or tcp:HOST:PORT,server=on,wait=off (QEMU's spellings; also the older
    /// 'server' and 'nowait' flags). The emulator never waits for a client, so server=on and wait=off are required.
    /// </summary>
    private static QmpEndpoint ParseQmp(string value)
    {
        const string Forms = "unix:PATH,server=on,wait=off or tcp:HOST:PORT,server=on,wait=off";
        var parts = value.Split(',');
        bool? server = null, wait = null;
        foreach (var flag in parts.Skip(1))
        {
            switch (flag)
            {
                case "server":
                    server = true;
                    break;
                case "nowait":
                    wait = false;
                    break;
                default:
                    var equals = flag.IndexOf('=');
                    var key = equals < 0 ? flag : flag[..equals];
                    if (equals < 0 || key is not ("server" or "wait"))
                    {
                        throw new UsageException($"-qmp '{value}': unsupported setting '{flag}' (supported: {Forms})");
                    }

                    var on = ParseOnOff("-qmp", key, flag[(equals + 1)..]);
                    if (key == "server")
                    {
                        server = on;
                    }
                    else
                    {
                        wait = on;
                    }

                    break;
            }
        }

        if (server != true || wait != false)
        {
            throw new UsageException($"-qmp '{value}': only a server that does not wait for its client is supported ({Forms})");
        }

        var address = parts[0];
        if (address.StartsWith("unix:", StringComparison.Ordinal) && address.Length > "unix:".Length)
        {
            return QmpEndpoint.Unix(address["unix:".Length..]);
        }

        if (address.StartsWith("tcp:", StringComparison.Ordinal))
        {
            var hostPort = address["tcp:".Length..];
            var colon = hostPort.LastIndexOf(':');
            var host = colon < 0 ? "" : hostPort[..colon];
            uint ip = 0x7F00_0001;
            if (host.Length == 0 || (host != "localhost" && !UserNetworkConfig.TryParseAddress(host, out ip)) ||
                !ushort.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
            {
                throw new UsageException($"-qmp '{value}': '{hostPort}' is not HOST:PORT with an IPv4 address or localhost and a port 1 to 65535 (tcp:127.0.0.1:4444)");
            }

            return QmpEndpoint.TcpAt(new IPEndPoint(new IPAddress([(byte)(ip >> 24), (byte)(ip >> 16), (byte)(ip >> 8), (byte)ip]), port));
        }

        throw new UsageException($"-qmp '{value}' is not supported ({Forms})");
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
    private static List<VirtioDeviceSpec> ResolveVirtio(List<Drive> drives, List<(string Driver, Dictionary<string, string> Properties)> devices,
        Dictionary<string, NetworkBackendConfig> netdevs)
    {
        var specs = new List<VirtioDeviceSpec>();
        var usedNetdevs = new HashSet<string>(StringComparer.Ordinal);
        var defaultMacs = 0;
        foreach (var (driver, properties) in devices)
        {
            if (driver == "virtio-rng-device")
            {
                specs.Add(new VirtioRngSpec());
                continue;
            }

            if (driver is "virtio-keyboard-device" or "virtio-mouse-device" or "virtio-tablet-device")
            {
                var kind = driver switch
                {
                    "virtio-keyboard-device" => VirtioInputKind.Keyboard,
                    "virtio-mouse-device" => VirtioInputKind.Mouse,
                    _ => VirtioInputKind.Tablet,
                };
                specs.Add(new VirtioInputSpec(kind, properties.GetValueOrDefault("serial")));
                continue;
            }

            if (driver == "virtio-net-device")
            {
                specs.Add(ResolveNic(properties, netdevs, usedNetdevs, ref defaultMacs));
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

        foreach (var id in netdevs.Keys.Where(id => !usedNetdevs.Contains(id)))
        {
            throw new UsageException($"-netdev '{id}' is not used by any device (add -device virtio-net-device,netdev={id})");
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
