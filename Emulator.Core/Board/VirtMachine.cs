using Emulator.Core.Boot;
using Emulator.Core.Cpu;
using Emulator.Core.Memory;
using Emulator.Core.Unicorn;
using Emulator.Devices;
using Emulator.Devices.Display;
using Emulator.Devices.Net;
using Emulator.Devices.Storage;
using Emulator.Devices.Virtio;

namespace Emulator.Core.Board;

/// <summary>
/// The QEMU `virt` board with one Cortex-A CPU: RAM, GICv2, generic timer, PL011, PL031, fw_cfg and PSCI,
/// wired from one device list that also generates the device tree.
/// </summary>
public sealed class VirtMachine : IDisposable
{
    private readonly object _gate = new();
    private readonly UnicornEngine _engine;
    private readonly GuestRam _ram;
    private readonly MmioBus _bus;
    private readonly Vcpu _vcpu;
    private readonly GicV2 _gic;
    private readonly GenericTimer _timer;
    private readonly Pl011 _uart;
    private readonly Pl031 _rtc;
    private readonly Pl061 _gpio;
    private readonly GuestClock _clock = new();
    private readonly BootLayout _boot;
    private readonly List<IDisposable> _backends = [];
    private readonly List<VirtioInput> _inputDevices = [];
    private Thread? _timerThread;
    private volatile bool _stopping;

    /// <summary>Where the guest's serial output goes; set before <see cref="Run"/>.</summary>
    public Action<byte> SerialOutput { get; set; } = _ => { };

    public IReadOnlyList<BoardDevice> Devices { get; }

    /// <summary>The device tree handed to the guest (generated, or the user's -dtb with boot information added).</summary>
    public byte[] DeviceTreeBlob { get; }

    public Vcpu Cpu => _vcpu;

    /// <summary>The ramfb framebuffer (<c>-device ramfb</c>), or null when the machine has no display.</summary>
    public Ramfb? Display { get; }

    /// <summary>The framebuffer the emulator configured as firmware (see <see cref="FirmwareFramebuffer"/>), or null.</summary>
    public FirmwareFramebuffer? Framebuffer { get; }

    /// <summary>The virtio input devices in command-line order (QEMU registers its input handlers in that order).</summary>
    public IReadOnlyList<VirtioInput> InputDevices => _inputDevices;

    public VirtMachine(MachineConfig config)
    {
        // Everything the user supplied is read and checked before any emulator state exists.
        var kernel = BootFiles.ReadKernel(config.KernelPath);
        var initrd = config.InitrdPath is { } initrdPath ? BootFiles.Read(initrdPath, "initrd") : null;
        var userTree = config.DtbPath is { } dtbPath ? BootFiles.ReadDeviceTree(dtbPath) : null;
        Framebuffer = FirmwareFramebuffer.For(config, kernel);

        _engine = new UnicornEngine(config.Cpu);
        try
        {
            _ram = AllocateRam(config.RamSize);
            _bus = new MmioBus(_gate);
            _gic = new GicV2(level => _vcpu!.SetIrq(level), VirtLayout.GicInterruptCount);
            _timer = new GenericTimer(() => _clock.Counter,
                _gic.Line(VirtLayout.PhysicalTimerIntId), _gic.Line(VirtLayout.VirtualTimerIntId));
            _uart = new Pl011(_gic.Line(VirtLayout.SpiBase + VirtLayout.UartSpi), b => SerialOutput(b))
            {
                ReceiveRoomAvailable = () => Monitor.PulseAll(_gate),
            };
            _rtc = new Pl031(_gic.Line(VirtLayout.SpiBase + VirtLayout.RtcSpi), () => DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            _gpio = new Pl061(_gic.Line(VirtLayout.SpiBase + VirtLayout.GpioSpi));
            var fwCfg = new FwCfg(_ram);
            if (config.Ramfb)
            {
                Display = new Ramfb(fwCfg, _ram, Framebuffer?.Config);
            }

            BoardWindow[] gicWindows =
            [
                new(VirtLayout.GicDistributorBase, VirtLayout.GicDistributorSize, _gic.Distributor),
                new(VirtLayout.GicCpuInterfaceBase, VirtLayout.GicCpuInterfaceSize, _gic.CpuInterface),
            ];
            Devices =
            [
                new BoardDevice("intc", gicWindows, null, VirtDeviceTree.DescribeGic(gicWindows)),
                new BoardDevice("pl011", VirtLayout.UartBase, VirtLayout.UartSize, _uart, VirtLayout.UartSpi,
                    VirtDeviceTree.DescribePrimeCell("arm,pl011", uartClock: true)),
                new BoardDevice("pl031", VirtLayout.RtcBase, VirtLayout.RtcSize, _rtc, VirtLayout.RtcSpi,
                    VirtDeviceTree.DescribePrimeCell("arm,pl031", uartClock: false)),
                new BoardDevice("pl061", VirtLayout.GpioBase, VirtLayout.GpioSize, _gpio, VirtLayout.GpioSpi,
                    VirtDeviceTree.DescribeGpio()),
                new BoardDevice("fw-cfg", VirtLayout.FwCfgBase, VirtLayout.FwCfgSize, fwCfg, null,
                    node => node.SetString("compatible", "qemu,fw-cfg-mmio").SetEmpty("dma-coherent")),
                .. CreateVirtioTransports(config),
            ];

            unsafe
            {
                _engine.MapRam(_ram.Base, _ram.Size, _ram.Pointer);
            }

            MapWindows(Devices.SelectMany(d => d.Windows));

            // The bus rounds each window up to whole pages; the holes fill what is left.
            MapHoles([.. _bus.Windows.Select(w => (w.Base, w.Size)), (_ram.Base, _ram.Size)]);

            _vcpu = new Vcpu(_engine, config.Cpu, _gate, _clock, _timer, () => _gic.IrqOutput, UpdateDevices,
                NextDeadline);

            var deviceWindows = Devices.SelectMany(d => d.Windows).Select(w => (w.Base, w.Size)).ToArray();
            _vcpu.IsDeviceMemory = address => address < VirtLayout.FlashSize ||
                deviceWindows.Any(w => address - w.Base < w.Size);

            var tree = userTree ?? VirtDeviceTree.Build(Devices, config.RamSize, CpuCompatible(config.Cpu), Framebuffer);
            if (userTree != null)
            {
                VirtDeviceTree.SetMemory(tree, config.RamSize, config.DtbPath!);
                if (Framebuffer != null)
                {
                    VirtDeviceTree.AddFramebuffer(tree, Framebuffer, config.DtbPath);
                }
            }

            _boot = BootLayout.Place(config, kernel, initrd, tree, _ram, Framebuffer);
            DeviceTreeBlob = _boot.DeviceTreeBlob;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// The 32 virtio-mmio transports, all present as on QEMU's board; the requested devices fill them from the
    /// highest slot down, in command-line order (QEMU's -device placement). The images are opened and locked here.
    /// </summary>
    private List<BoardDevice> CreateVirtioTransports(MachineConfig config)
    {
        if (config.VirtioDevices.Count > VirtLayout.VirtioCount)
        {
            throw new BootException($"too many virtio devices ({config.VirtioDevices.Count}): the board has {VirtLayout.VirtioCount} virtio-mmio transports");
        }

        var slots = new IVirtioDevice?[VirtLayout.VirtioCount];
        for (var k = 0; k < config.VirtioDevices.Count; k++)
        {
            slots[VirtLayout.VirtioCount - 1 - k] = CreateVirtioDevice(config.VirtioDevices[k]);
        }

        var transports = new List<BoardDevice>();
        for (var i = 0; i < VirtLayout.VirtioCount; i++)
        {
            var windowBase = VirtLayout.VirtioBase + ((ulong)i * VirtLayout.VirtioSize);
            var spi = VirtLayout.VirtioSpiBase + i;
            var transport = new VirtioMmio(slots[i], _ram, _gic.Line(VirtLayout.SpiBase + spi), config.VirtioLegacy, _gate, windowBase);
            transports.Add(new BoardDevice("virtio_mmio", windowBase, VirtLayout.VirtioSize, transport, spi,
                node => node.SetString("compatible", "virtio,mmio").SetEmpty("dma-coherent"))
            {
                EdgeTriggered = true,
            });
        }

        return transports;
    }

    private IVirtioDevice CreateVirtioDevice(VirtioDeviceSpec spec)
    {
        switch (spec)
        {
            case VirtioBlockSpec block:
                RawImage image;
                try
                {
                    image = RawImage.Open(block.ImagePath, block.ReadOnly);
                }
                catch (ImageException e)
                {
                    throw new BootException(e.Message);
                }

                var device = new VirtioBlock(image, block.Serial);
                _backends.Add(device);
                return device;
            case VirtioRngSpec:
                return new VirtioRng();
            case VirtioInputSpec input:
                var profile = input.Kind switch
                {
                    VirtioInputKind.Keyboard => VirtioInputProfile.Keyboard(),
                    VirtioInputKind.Mouse => VirtioInputProfile.Mouse(),
                    _ => VirtioInputProfile.Tablet(),
                };
                var inputDevice = new VirtioInput(profile.WithSerial(input.Serial));
                _inputDevices.Add(inputDevice);
                return inputDevice;
            case VirtioNetSpec net:
                INetworkBackend network;
                try
                {
                    network = net.Network switch
                    {
                        UserNetworkConfig user => new SlirpNetwork(user),
                        UdpSocketNetworkConfig socket => new UdpSocketNetwork(socket),
                        _ => throw new BootException($"unsupported network back end {net.Network.GetType().Name}"),
                    };
                }
                catch (NetworkException e)
                {
                    throw new BootException(e.Message);
                }

                var nic = new VirtioNet(network, net.Mac);
                _backends.Add(nic);
                return nic;
            default:
                throw new BootException($"unsupported virtio device {spec.GetType().Name}");
        }
    }

    /// <summary>
    /// Maps every device window on the bus. Unicorn maps whole pages, so windows that share a page (the
    /// 0x200-byte virtio transports) are mapped together as one <see cref="MmioBank"/>.
    /// </summary>
    private void MapWindows(IEnumerable<BoardWindow> windows)
    {
        const ulong Page = 0x1000;
        var run = new List<BoardWindow>();
        void MapRun()
        {
            if (run.Count == 1)
            {
                _bus.Map(_engine, run[0].Base, run[0].Size, run[0].Model);
            }
            else if (run.Count > 1)
            {
                var start = run[0].Base & ~(Page - 1);
                var end = run.Max(w => w.Base + w.Size);
                _bus.Map(_engine, start, end - start, new MmioBank(start, run.Select(w => (w.Base, w.Size, w.Model))));
            }

            run.Clear();
        }

        foreach (var window in windows.OrderBy(w => w.Base))
        {
            if (run.Count > 0 && window.Base >= ((run.Max(w => w.Base + w.Size) + Page - 1) & ~(Page - 1)))
            {
                MapRun();
            }

            run.Add(window);
        }

        MapRun();
    }

    /// <summary>Guest RAM, or the one-line refusal QEMU gives when the host cannot provide it.</summary>
    private static GuestRam AllocateRam(ulong size)
    {
        try
        {
            return new GuestRam(VirtLayout.RamBase, size);
        }
        catch (OutOfMemoryException)
        {
            throw new BootException($"cannot set up guest memory ({size >> 20} MiB): cannot allocate memory");
        }
    }

    public static string CpuCompatible(CpuModel model) => model switch
    {
        CpuModel.CortexA53 => "arm,cortex-a53",
        CpuModel.CortexA72 => "arm,cortex-a72",
        CpuModel.Max => "arm,arm-v8",
        _ => "arm,cortex-a57",
    };

    /// <summary>Every physical address the device tree leaves empty reads as all-ones and ignores writes.</summary>
    private void MapHoles(IReadOnlyList<(ulong Base, ulong Size)> used)
    {
        var next = 0UL;
        foreach (var (regionBase, size) in used.OrderBy(r => r.Base))
        {
            if (regionBase > next)
            {
                MapHole(next, regionBase - next);
            }

            next = Math.Max(next, regionBase + size);
        }

        if (next < VirtLayout.PhysicalAddressTop)
        {
            MapHole(next, VirtLayout.PhysicalAddressTop - next);
        }
    }

    private void MapHole(ulong holeBase, ulong size) =>
        _bus.Map(_engine, holeBase, size, new UnbackedRegion($"hole 0x{holeBase:x}-0x{holeBase + size - 1:x}", holeBase));

    /// <summary>
    /// Feeds host keyboard/pipe input to the UART, only as fast as the guest drains its receive FIFO (QEMU's
    /// back-pressure): the call waits while the FIFO is full, so the caller reads no more input meanwhile
    /// and nothing piles up in the emulator. Returns once every byte is in, or when the machine stops.
    /// Safe from any thread but the CPU's.
    /// </summary>
    public void SendSerialInput(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            while (!bytes.IsEmpty && !_stopping)
            {
                var room = _uart.ReceiveRoom;
                if (room == 0)
                {
                    Monitor.Wait(_gate);
                    continue;
                }

                var count = Math.Min(room, bytes.Length);
                _uart.Receive(bytes[..count]);
                bytes = bytes[count..];
            }
        }
    }

    /// <summary>Boots the guest and runs it until it powers off, resets, or <see cref="RequestExit"/> is called.</summary>
    public MachineExit Run()
    {
        _timerThread = new Thread(TimerLoop) { IsBackground = true, Name = "guest timers" };
        _timerThread.Start();
        if (Environment.GetEnvironmentVariable("VIRT_EMULATOR_TRACE") == "1")
        {
            new Thread(() =>
            {
                while (!_stopping)
                {
                    Thread.Sleep(1000);
                    Console.Error.WriteLine($"trace: {DescribeState()}");
                }
            })
            { IsBackground = true }.Start();
        }

        try
        {
            return _vcpu.Run(_boot.Entry, _boot.DeviceTreeAddress);
        }
        finally
        {
            lock (_gate)
            {
                _stopping = true;
                Monitor.PulseAll(_gate);
            }

            _timerThread.Join();
        }
    }

    public void RequestExit(MachineExit exit) => _vcpu.RequestExit(exit);

    /// <summary>
    /// Presses the power button (QMP's system_powerdown): QEMU's virt pulses PL061 line 3 high for 100 ms
    /// (hw/gpio/gpio_key.c), which Linux's gpio-keys reports as KEY_POWER. Safe from any thread.
    /// </summary>
    public void PressPowerButton()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _gpio.SetInput(VirtLayout.PowerButtonGpio, true);
        }

        _ = Task.Delay(100).ContinueWith(_ =>
        {
            lock (_gate)
            {
                if (!_stopping)
                {
                    _gpio.SetInput(VirtLayout.PowerButtonGpio, false);
                }
            }
        }, TaskScheduler.Default);
    }

    /// <summary>Lets a gdb stub debug this machine's CPU (-s, -gdb); with <paramref name="haltAtStart"/> (-S) it waits for gdb before the first instruction.</summary>
    public CpuDebugger EnableDebugger(bool haltAtStart) => _vcpu.EnableDebugger(_ram, haltAtStart);

    /// <summary>Raises timer and RTC interrupts on time while the CPU is busy (a WFI-idle CPU does it itself).</summary>
    private void TimerLoop()
    {
        lock (_gate)
        {
            while (!_stopping)
            {
                UpdateDevices();
                _vcpu.KickIfInterruptWaiting();
                var deadline = NextDeadline();
                var wait = deadline is { } d ? _clock.MillisecondsUntil(d, 1000) : 1000;
                Monitor.Wait(_gate, _vcpu.InterruptWaiting ? Math.Min(wait, 1) : wait);
            }
        }
    }

    /// <summary>Brings the time-driven devices (generic timer, RTC alarm) up to date. Under the machine lock.</summary>
    private void UpdateDevices()
    {
        _timer.Update();
        _rtc.Update();
    }

    /// <summary>The counter value at which a time-driven device next raises an interrupt, if any.</summary>
    private ulong? NextDeadline()
    {
        var timer = _timer.NextDeadline;
        var rtc = NextRtcAlarm();
        return timer is null ? rtc : rtc is null ? timer : Math.Min(timer.Value, rtc.Value);
    }

    /// <summary>One line of CPU state for diagnostics (VIRT_EMULATOR_TRACE=1 prints it every second).</summary>
    public string DescribeState() =>
        $"pc=0x{_engine.Read(Unicorn.Arm64Reg.Pc):x} pstate=0x{_engine.Read(Unicorn.Arm64Reg.Pstate):x} " +
        $"exceptions={_vcpu.Exceptions} timer-traps={_vcpu.TimerRegisterTraps} kicks={_vcpu.Kicks} irq={_gic.IrqOutput}";

    /// <summary>The RTC alarm as a counter value, so it joins the timer deadlines.</summary>
    private ulong? NextRtcAlarm()
    {
        if (_rtc.NextAlarmUnixSeconds is not { } alarm)
        {
            return null;
        }

        var seconds = alarm - DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return _clock.Counter + (ulong)Math.Max(0, seconds) * GuestClock.Frequency;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            // A console thread waiting to deliver input must not wait for a machine that is gone.
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        _vcpu?.Debugger?.Dispose();
        _vcpu?.Dispose();
        foreach (var backend in _backends)
        {
            if (backend is VirtioBlock block && Environment.GetEnvironmentVariable("VIRT_EMULATOR_TRACE") == "1")
            {
                Console.Error.WriteLine($"trace: virtio-blk: {block.Statistics}");
            }

            if (backend is VirtioNet nic && Environment.GetEnvironmentVariable("VIRT_EMULATOR_TRACE") == "1")
            {
                Console.Error.WriteLine($"trace: virtio-net {nic.Mac}: {nic.FramesSent} frames sent, {nic.FramesReceived} received, " +
                    $"{nic.ReceiveDropped} dropped for want of a receive buffer, {nic.TransmitDropped} bad frames dropped");
            }

            backend.Dispose();
        }

        _engine?.Dispose();
        _bus?.Dispose();
        _ram?.Dispose();
    }
}
