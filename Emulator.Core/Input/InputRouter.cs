using Emulator.Devices;
using Emulator.Devices.Input;
using Emulator.Devices.Virtio;

namespace Emulator.Core.Input;

/// <summary>
/// QEMU's input layer (ui/input.c) for this board: host input (QMP's send-key and input-send-event) goes to the
/// first device that takes its kind (keys: a keyboard; buttons and absolute moves: a tablet; relative moves: a
/// mouse) and is translated there as QEMU's virtio-input-hid does (QKeyCode to Linux key code, buttons to BTN_*,
/// the wheel to REL_WHEEL steps). Devices whose driver started come first, the last started first (QEMU moves a
/// handler to the head of its list when the guest activates it); with none, the first given. Key presses may be
/// spaced in time: send-key's presses and releases go through a queue with a delay after each, as QEMU's kbd_queue
/// (at most <see cref="QueueLimit"/> items; more are dropped). Thread-safe: every device call takes its lock.
/// </summary>
public sealed class InputRouter : IDisposable
{
    /// <summary>QEMU's bound on its queue of key events and delays.</summary>
    public const int QueueLimit = 1024;

    /// <summary>QEMU's delay when send-key gives no hold-time (or 0).</summary>
    public const int DefaultDelayMs = 10;

    /// <summary>QEMU's InputButton names, in its enum's order.</summary>
    public static readonly IReadOnlyList<string> Buttons = ["left", "middle", "right", "wheel-up", "wheel-down", "side", "extra", "wheel-left", "wheel-right"];

    /// <summary>QEMU's InputAxis names.</summary>
    public static readonly IReadOnlyList<string> Axes = ["x", "y"];

    private static readonly ushort[] ButtonCodes =
    [
        LinuxInput.BTN_LEFT, LinuxInput.BTN_MIDDLE, LinuxInput.BTN_RIGHT, LinuxInput.BTN_GEAR_UP, LinuxInput.BTN_GEAR_DOWN,
        LinuxInput.BTN_SIDE, LinuxInput.BTN_EXTRA, 0, 0,
    ];

    private readonly Func<IReadOnlyList<VirtioInput>> _devices;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Queue<(string? Key, bool Down, uint DelayMs)> _queue = new();
    private readonly HashSet<VirtioInput> _touched = [];
    private ITimer? _timer;

    public InputRouter(Func<IReadOnlyList<VirtioInput>> devices, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(devices);
        _devices = devices;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Whether any device takes <paramref name="kind"/> (QEMU's check before input-send-event sends anything).</summary>
    public bool HasHandler(InputEventKinds kind) => _devices().Any(d => (d.Profile.Kinds & kind) != 0);

    /// <summary>Presses or releases a key (a QKeyCode name) through the key queue: now when it is empty, else after what waits.</summary>
    public void Key(string qcode, bool down)
    {
        lock (_gate)
        {
            if (_queue.Count == 0)
            {
                SendKey(qcode, down);
                SyncTouched();
            }
            else if (_queue.Count < QueueLimit)
            {
                _queue.Enqueue((qcode, down, 0));
            }
        }
    }

    /// <summary>A pause in the key queue (QEMU's qemu_input_event_send_key_delay): 0 means QEMU's default, 10 ms.</summary>
    public void Delay(uint milliseconds)
    {
        lock (_gate)
        {
            if (_queue.Count >= QueueLimit)
            {
                return;
            }

            var start = _queue.Count == 0;
            var delay = milliseconds == 0 ? DefaultDelayMs : milliseconds;
            _queue.Enqueue((null, false, delay));
            if (start)
            {
                Arm(delay);
            }
        }
    }

    /// <summary>QMP's send-key: each key pressed with a delay after it, then released in reverse order, each with a delay after it.</summary>
    public void SendKeys(IReadOnlyList<string> qcodes, uint holdMs)
    {
        ArgumentNullException.ThrowIfNull(qcodes);
        lock (_gate)
        {
            foreach (var key in qcodes)
            {
                Key(key, true);
                Delay(holdMs);
            }

            for (var i = qcodes.Count - 1; i >= 0; i--)
            {
                Key(qcodes[i], false);
                Delay(holdMs);
            }
        }
    }

    /// <summary>A key event sent at once, outside the key queue (input-send-event's qcode keys); <see cref="Sync"/> closes the report.</summary>
    public void KeyNow(string qcode, bool down)
    {
        lock (_gate)
        {
            SendKey(qcode, down);
        }
    }

    /// <summary>
    /// A key given by its Linux key code (a host window's keyboard) pressed or released at once, outside the key
    /// queue; <see cref="Sync"/> closes the report.
    /// </summary>
    public void LinuxKey(ushort code, bool down)
    {
        lock (_gate)
        {
            if (Find(InputEventKinds.Key) is { } device)
            {
                Send(device, new InputEvent(LinuxInput.EV_KEY, code, down ? 1 : 0));
            }
        }
    }

    /// <summary>A button (QEMU's InputButton name) pressed or released; <see cref="Sync"/> closes the report.</summary>
    public void Button(string button, bool down)
    {
        lock (_gate)
        {
            if (Find(InputEventKinds.Button) is not { } device)
            {
                return;
            }

            var index = IndexOf(Buttons, button);
            if (device.Profile.WheelAxis && button is "wheel-up" or "wheel-down" && down)
            {
                Send(device, new InputEvent(LinuxInput.EV_REL, LinuxInput.REL_WHEEL, button == "wheel-up" ? 1 : -1));
            }
            else if (index >= 0 && ButtonCodes[index] != 0)
            {
                Send(device, new InputEvent(LinuxInput.EV_KEY, ButtonCodes[index], down ? 1 : 0));
            }
            else
            {
                _touched.Add(device);
                if (down)
                {
                    DeviceLog.Once($"{device.Profile.Name}: unmapped button {button}");
                }
            }
        }
    }

    /// <summary>An absolute (tablet, 0..0x7fff) or relative (mouse) move on axis "x" or "y"; <see cref="Sync"/> closes the report.</summary>
    public void Move(bool absolute, string axis, long value)
    {
        lock (_gate)
        {
            if (Find(absolute ? InputEventKinds.Absolute : InputEventKinds.Relative) is not { } device)
            {
                return;
            }

            var code = axis == "y" ? (ushort)1 : (ushort)0; // ABS_X/REL_X 0, ABS_Y/REL_Y 1
            Send(device, new InputEvent(absolute ? LinuxInput.EV_ABS : LinuxInput.EV_REL, code, unchecked((int)value)));
        }
    }

    /// <summary>Closes the report of every device that got events since the last sync (QEMU's qemu_input_event_sync).</summary>
    public void Sync()
    {
        lock (_gate)
        {
            SyncTouched();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            _queue.Clear();
        }
    }

    private void SendKey(string qcode, bool down)
    {
        if (Find(InputEventKinds.Key) is not { } device)
        {
            return;
        }

        // QEMU sends its old 'sysrq' name as 'print'.
        var code = QKeyCodes.LinuxCode(qcode == "sysrq" ? "print" : qcode);
        if (code == 0)
        {
            _touched.Add(device); // QEMU counts the event, so a lone SYN_REPORT follows
            if (down)
            {
                DeviceLog.Once($"{device.Profile.Name}: unmapped key {qcode}");
            }

            return;
        }

        Send(device, new InputEvent(LinuxInput.EV_KEY, code, down ? 1 : 0));
    }

    private void Send(VirtioInput device, InputEvent inputEvent)
    {
        lock (device.Lock ?? device)
        {
            device.Send(inputEvent);
        }

        _touched.Add(device);
    }

    private void SyncTouched()
    {
        foreach (var device in _touched)
        {
            lock (device.Lock ?? device)
            {
                device.Sync();
            }
        }

        _touched.Clear();
    }

    private VirtioInput? Find(InputEventKinds kind)
    {
        var devices = _devices();
        VirtioInput? first = null;
        for (var i = devices.Count - 1; i >= 0; i--)
        {
            if ((devices[i].Profile.Kinds & kind) == 0)
            {
                continue;
            }

            if (devices[i].IsActive)
            {
                return devices[i];
            }

            first = devices[i];
        }

        return first;
    }

    private void Arm(uint milliseconds)
    {
        _timer ??= _time.CreateTimer(_ => ProcessQueue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(TimeSpan.FromMilliseconds(Math.Min(milliseconds, 0xfffffffeu)), Timeout.InfiniteTimeSpan);
    }

    /// <summary>The head delay is over: sends what follows it up to the next delay, which is armed.</summary>
    private void ProcessQueue()
    {
        lock (_gate)
        {
            if (_queue.Count == 0)
            {
                return;
            }

            _queue.Dequeue();
            while (_queue.TryPeek(out var item))
            {
                if (item.Key is null)
                {
                    Arm(item.DelayMs);
                    return;
                }

                _queue.Dequeue();
                SendKey(item.Key, item.Down);
                SyncTouched();
            }
        }
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        return -1;
    }
}
