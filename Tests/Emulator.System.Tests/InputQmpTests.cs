using System.Text.RegularExpressions;

namespace Emulator.System.Tests;

/// <summary>
/// QMP's send-key and input-send-event against QEMU as the oracle: the same requests, good and bad, with a
/// virtio keyboard and tablet and with no input device at all, get the same replies from qemu-system-aarch64
/// and from the emulator. Then Debian's Linux on our machine, with the initramfs's virtio_input and evdev
/// modules, reads what send-key types from /dev/input/event0.
/// </summary>
public sealed class InputQmpTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const string IdleGuest = """
        main:
            ldr x1, =ready
            bl puts
        1:  wfi
            b 1b
            .ltorg
        ready: .asciz "ready\n"
        """;

    /// <summary>Requests whose replies QEMU 7.2 and ours must agree on.</summary>
    private static readonly string[] Requests =
    [
        """{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"a"}]}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"foo"}]}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"a"},{"type":"qcode","data":"bar"}]}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"number","data":30}],"hold-time":5}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"number","data":"x"}]}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"number","data":99999}]}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"bogus","data":1}]}}""",
        """{"execute":"send-key","arguments":{"keys":[{"data":"a"}]}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"qcode"}]}}""",
        """{"execute":"send-key","arguments":{"keys":[]}}""",
        """{"execute":"send-key","arguments":{}}""",
        """{"execute":"send-key","arguments":{"keys":"a"}}""",
        """{"execute":"send-key","arguments":{"keys":["a"]}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"a","x":1}]}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"a"}],"hold-time":"x"}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"a"}],"hold-time":1.5}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"a"}],"foo":1}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":5}]}}""",
        """{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"shift"},{"type":"qcode","data":"kp_multiply"}],"hold-time":20}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"key","data":{"key":{"type":"qcode","data":"a"},"down":true}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"key","data":{"key":{"type":"qcode","data":"a"},"down":false}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"key","data":{"key":{"type":"qcode","data":"zz"},"down":true}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"key","data":{"key":{"type":"qcode","data":"a"}}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"btn","data":{"button":"left","down":true}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"btn","data":{"button":"wheel-up","down":true}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"btn","data":{"button":"nope","down":true}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"abs","data":{"axis":"x","value":100}},{"type":"abs","data":{"axis":"y","value":32767}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"abs","data":{"axis":"z","value":100}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"rel","data":{"axis":"x","value":1}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"wheel","data":{}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"abs"}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[]}}""",
        """{"execute":"input-send-event","arguments":{}}""",
        """{"execute":"input-send-event","arguments":{"device":"nosuch","events":[{"type":"abs","data":{"axis":"x","value":1}}]}}""",
        """{"execute":"input-send-event","arguments":{"head":1,"events":[{"type":"abs","data":{"axis":"x","value":1}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"abs","data":{"axis":"x","value":"1"}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"btn","data":{"button":"left","down":1}}]}}""",
        """{"execute":"input-send-event","arguments":{"events":[{"type":"abs","data":{"axis":"x","value":1}},{"type":"key","data":{"key":{"type":"number","data":28},"down":true}}]}}""",
    ];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private List<string> Converse(string name, Func<string[], GuestConsole> start, string elf, string[] devices)
    {
        var socket = _folder.File($"{name}.sock");
        using var console = start(["-kernel", elf, .. devices, "-qmp", $"unix:{socket},server=on,wait=off"]);
        console.WaitFor("ready\n", Timeout);
        using var qmp = QmpClient.Connect(socket, Timeout, console.Describe);
        qmp.Execute("""{"execute":"qmp_capabilities"}""");
        var replies = new List<string>();
        foreach (var request in Requests)
        {
            replies.AddRange(qmp.Execute(request).Select(m => $"{request} -> {m.ToJsonString()}"));
        }

        qmp.Execute("""{"execute":"quit"}""");
        console.WaitForExit(Timeout);
        return replies;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SendKeyAndInputSendEvent_GetQemusReplies(bool withDevices)
    {
        var elf = BareMetalGuest.Build(_folder, "idle", IdleGuest);
        string[] devices = withDevices ? ["-device", "virtio-keyboard-device", "-device", "virtio-tablet-device"] : [];
        var qemu = Converse("qemu", arguments => GuestConsole.StartQemu(arguments), elf, devices);
        var ours = Converse("ours", arguments => GuestConsole.Start(arguments), elf, devices);
        Assert.Equal(qemu, ours);
    }

    /// <summary>
    /// Linux's virtio_input refuses a device without VIRTIO_F_VERSION_1, which legacy virtio-mmio (QEMU's default,
    /// and ours) cannot offer: as on QEMU, the guest needs the modern transport.
    /// </summary>
    [Fact]
    public void Linux_ReadsTheKeysSendKeyTypes_FromEvdev()
    {
        TestEnvironment.RequireDefaultGuest();
        var socket = _folder.File("linux.sock");
        using var console = GuestConsole.Start("-kernel", TestEnvironment.DefaultKernel, "-initrd", TestEnvironment.DefaultInitramfs,
            "-append", "console=ttyAMA0", "-global", "virtio-mmio.force-legacy=false", "-device", "virtio-keyboard-device", "-device", "virtio-tablet-device",
            "-qmp", $"unix:{socket},server=on,wait=off");
        console.FailOn = LinuxGuestCollection.KernelFailure;
        console.WaitFor(GuestConsole.ShellPrompt, LinuxGuestCollection.BootTimeout);

        var devices = console.Run("cat /proc/bus/input/devices", Timeout);
        Assert.Contains("N: Name=\"QEMU Virtio Keyboard\"", devices);
        Assert.Contains("I: Bus=0006 Vendor=0627 Product=0001 Version=0001", devices);
        Assert.Contains("N: Name=\"QEMU Virtio Tablet\"", devices);
        Assert.Contains("I: Bus=0006 Vendor=0627 Product=0003 Version=0002", devices);
        // The bitmaps as Linux shows them on QEMU 7.2 with the same kernel (measured): the keyboard's SYN KEY LED
        // REP and its keys, the tablet's buttons, wheel and X/Y.
        Assert.Contains("B: EV=120003\nB: KEY=400000000 3078f800dfff febeffff7bcfffff fffffffffffffffe\nB: LED=7", devices);
        Assert.Contains("B: EV=f\nB: KEY=30000 1f0000 0 0 0 0\nB: REL=100\nB: ABS=3", devices);
        var keyboard = Regex.Match(devices, @"N: Name=""QEMU Virtio Keyboard""[\s\S]*?H: Handlers=.*?(event\d+)").Groups[1].Value;
        Assert.NotEmpty(keyboard);

        // 24-byte input_events (time, type, code, value): four of them, read in the background while send-key types "a".
        console.Run($"dd if=/dev/input/{keyboard} of=/tmp/events bs=24 count=4 2>/dev/null &", Timeout);
        Thread.Sleep(500);
        using var qmp = QmpClient.Connect(socket, Timeout, console.Describe);
        qmp.Execute("""{"execute":"qmp_capabilities"}""");
        qmp.Execute("""{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"a"}]}}""");
        Thread.Sleep(1000);

        // od shows each event's eight 16-bit words: type, code and the value's low word are the 5th, 6th and 7th.
        var output = console.Run("wait; od -An -v -tu2 -w24 /tmp/events", Timeout);
        var events = Regex.Matches(output, @"^(?:\s*\d+){8}\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s*$", RegexOptions.Multiline)
            .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value} {m.Groups[3].Value}").ToList();
        Assert.Equal(["1 30 1", "0 0 0", "1 30 0", "0 0 0"], events);
    }

    /// <summary>Linux's view of the keyboard, tablet and mouse (names, ids, bitmaps, handlers, sysfs paths): the same on both machines.</summary>
    [Fact]
    public void Linux_SeesTheSameInputDevices_AsOnQemu()
    {
        TestEnvironment.RequireDefaultGuest();
        string Devices(Func<string[], GuestConsole> start)
        {
            using var console = start(["-kernel", TestEnvironment.DefaultKernel, "-initrd", TestEnvironment.DefaultInitramfs,
                "-append", "console=ttyAMA0", "-global", "virtio-mmio.force-legacy=false", "-device", "virtio-keyboard-device",
                "-device", "virtio-tablet-device", "-device", "virtio-mouse-device,serial=m1"]);
            console.FailOn = LinuxGuestCollection.KernelFailure;
            console.WaitFor(GuestConsole.ShellPrompt, LinuxGuestCollection.BootTimeout);
            return console.Run("cat /proc/bus/input/devices", Timeout);
        }

        var qemu = Devices(arguments => GuestConsole.StartQemu(arguments));
        Assert.Contains("N: Name=\"QEMU Virtio Mouse\"", qemu);
        Assert.Contains("U: Uniq=m1", qemu);
        Assert.Equal(qemu, Devices(arguments => GuestConsole.Start(arguments)));
    }
}
