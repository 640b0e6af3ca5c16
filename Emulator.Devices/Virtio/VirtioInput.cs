using System.Buffers.Binary;
using Emulator.Devices.Input;

namespace Emulator.Devices.Virtio;

/// <summary>
/// virtio input device (VirtIO 1.2, 5.8; device id 18): a keyboard, mouse or tablet (<see cref="VirtioInputProfile"/>)
/// that hands Linux input events to the guest. Queue 0 (eventq) holds device-writable buffers the driver posts;
/// each event fills one. Events come in reports closed by a SYN_REPORT (<see cref="Send"/> then <see cref="Sync"/>),
/// and a report goes to the guest whole, as QEMU's device does. Where QEMU drops a report that finds too few buffers,
/// this one waits in a bounded queue for the driver's next buffers (<see cref="MaxWaitingReports"/>; further reports
/// are dropped and counted). Before the driver sets DRIVER_OK events are dropped, as on QEMU. Queue 1 (statusq)
/// carries the guest's LED changes, which are taken and completed. The configuration space is QEMU's: select and
/// subselect written by the driver, then the entry's size and bytes read back (zeros when there is no such entry).
/// </summary>
public sealed class VirtioInput : IVirtioDevice
{
    /// <summary>Reports that may wait for buffers; a driver that posts none for this long loses the newest.</summary>
    public const int MaxWaitingReports = 256;

    /// <summary>Events in one report before SYN_REPORT; a longer one is cut (QEMU grows without bound here).</summary>
    public const int MaxReportEvents = 64;

    private const int EventQueue = 0;
    private const int StatusQueue = 1;
    private const int HeaderSize = 8; // select, subsel, size, 5 reserved bytes

    private readonly VirtioInputProfile _profile;
    private readonly List<InputEvent> _report = [];
    private readonly Queue<InputEvent[]> _waiting = new();
    private readonly Queue<DescriptorChain> _buffers = new();
    private readonly byte[] _config;
    private VirtioMmio? _transport;
    private byte _select;
    private byte _subselect;

    public VirtioInput(VirtioInputProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _profile = profile;
        ConfigSize = HeaderSize + profile.Entries.Max(e => e.Data.Length);
        _config = new byte[ConfigSize];
    }

    public uint DeviceId => 18;

    public string Name => "virtio-input";

    public ulong Features => 0;

    public int QueueCount => 2;

    public int ConfigSize { get; }

    public VirtioInputProfile Profile => _profile;

    /// <summary>Reports dropped: the driver had not started, or too many were waiting for buffers.</summary>
    public long DroppedReports { get; private set; }

    /// <summary>The keyboard LEDs the guest last set (bit 0 NumLock, 1 CapsLock, 2 ScrollLock).</summary>
    public int Leds { get; private set; }

    /// <summary>Whether the driver runs the device (DRIVER_OK and not broken): QEMU's "active".</summary>
    public bool IsActive => _transport?.IsLive ?? false;

    /// <summary>The lock every call into the device takes (the machine's, through the transport); null before attach.</summary>
    public object? Lock => _transport?.Lock;

    public void Attach(VirtioMmio transport) => _transport = transport;

    public void ReadConfig(int offset, Span<byte> destination)
    {
        // QEMU refreshes its configuration buffer from the selected entry on every read (zeros when there is none).
        CurrentEntry(_config);
        _config.AsSpan(offset, destination.Length).CopyTo(destination);
    }

    public void WriteConfig(int offset, ReadOnlySpan<byte> source)
    {
        // QEMU writes into the buffer the last read left and takes select and subselect back from its first two
        // bytes: a read of a missing entry zeroes it, so a later write of subselect alone also selects 0.
        source.CopyTo(_config.AsSpan(offset));
        _select = _config[0];
        _subselect = _config[1];
        if (_transport is { } transport && (transport.DeviceStatus & VirtioMmio.DRIVER_OK) != 0)
        {
            transport.NotifyConfigChange(); // QEMU's virtio_notify_config after every write
        }
    }

    public void QueueNotify(int queue)
    {
        if (queue == EventQueue)
        {
            Deliver();
        }
        else if (queue == StatusQueue)
        {
            TakeStatus();
        }
    }

    public void Reset()
    {
        _report.Clear();
        _waiting.Clear();
        _buffers.Clear(); // the transport's reset forgot the chains; select and subselect stay, as on QEMU
    }

    /// <summary>Adds an event to the current report; call under <see cref="Lock"/>.</summary>
    public void Send(InputEvent inputEvent)
    {
        if (_report.Count < MaxReportEvents - 1)
        {
            _report.Add(inputEvent);
        }
    }

    /// <summary>Closes the current report with SYN_REPORT and hands it to the guest, or queues it; call under <see cref="Lock"/>.</summary>
    public void Sync()
    {
        _report.Add(InputEvent.SynReport);
        var report = _report.ToArray();
        _report.Clear();
        if (_transport is not { IsLive: true } || _waiting.Count >= MaxWaitingReports)
        {
            DroppedReports++;
            return;
        }

        _waiting.Enqueue(report);
        Deliver();
    }

    /// <summary>Fills posted buffers with the waiting reports, each report only when all of it fits.</summary>
    private void Deliver()
    {
        var transport = _transport!;
        if (!transport.IsLive)
        {
            return;
        }

        var events = transport.Queue(EventQueue);
        var used = false;
        Span<byte> bytes = stackalloc byte[InputEvent.Size];
        while (_waiting.TryPeek(out var report))
        {
            while (_buffers.Count < report.Length && events.Pop() is { } chain)
            {
                _buffers.Enqueue(chain);
            }

            if (_buffers.Count < report.Length)
            {
                break;
            }

            _waiting.Dequeue();
            foreach (var inputEvent in report)
            {
                var chain = _buffers.Dequeue();
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, inputEvent.Type);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes[2..], inputEvent.Code);
                BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], inputEvent.Value);

                // A buffer shorter than an event gets what fits, as QEMU's iov_from_buf gives it.
                var written = chain.Write(transport.Memory, 0, bytes);
                events.Push(chain.Head, (uint)written);
                used = true;
            }
        }

        if (used)
        {
            transport.SignalUsed(events);
        }
    }

    /// <summary>The status queue: LED changes from the guest (a keyboard's), each completed at once.</summary>
    private void TakeStatus()
    {
        var transport = _transport!;
        var status = transport.Queue(StatusQueue);
        Span<byte> bytes = stackalloc byte[InputEvent.Size];
        var used = false;
        while (status.Pop() is { } chain)
        {
            bytes.Clear();
            var read = chain.Read(transport.Memory, 0, bytes);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
            var code = BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..]);
            var value = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
            if (type == LinuxInput.EV_LED && code <= LinuxInput.LED_SCROLLL)
            {
                Leds = value != 0 ? Leds | (1 << code) : Leds & ~(1 << code);
            }
            else
            {
                DeviceLog.Once($"{_profile.Name}: status event of type {type}, code {code} ignored");
            }

            // QEMU completes a status buffer with the count of bytes it read from it.
            status.Push(chain.Head, (uint)read);
            used = true;
        }

        if (used)
        {
            transport.SignalUsed(status);
        }
    }

    /// <summary>The configuration bytes for the current select and subselect: header, then the entry's data.</summary>
    private void CurrentEntry(Span<byte> image)
    {
        image.Clear();
        if (_profile.Find(_select, _subselect) is not { } data)
        {
            return;
        }

        image[0] = _select;
        image[1] = _subselect;
        image[2] = (byte)data.Length;
        data.CopyTo(image[HeaderSize..]);
    }
}
