using System.Buffers.Binary;
using System.Text;
using Emulator.Devices.Input;

namespace Emulator.Devices.Virtio;

/// <summary>
/// What a virtio input device says it is: the configuration space's entries (select, subselect, bytes) and the
/// host input it takes. The three QEMU 7.2 devices (hw/input/virtio-input-hid.c) report exactly these names,
/// ids, bitmaps and axis ranges; a guest driver (Linux's virtio_input) builds its evdev device from them.
/// </summary>
public sealed class VirtioInputProfile
{
    /// <summary>The configuration's select values (VirtIO 1.2, 5.8.5 "Device configuration layout").</summary>
    public const byte IdName = 0x01;
    public const byte IdSerial = 0x02;
    public const byte IdDevids = 0x03;
    public const byte PropBits = 0x10;
    public const byte EvBits = 0x11;
    public const byte AbsInfo = 0x12;

    /// <summary>QEMU's absolute axis range (INPUT_EVENT_ABS_MIN/MAX).</summary>
    public const int AbsoluteMaximum = 0x7fff;

    /// <summary>The buttons QEMU's pointing devices have (its InputButton to Linux code map; wheel-left/right have none).</summary>
    public static readonly IReadOnlyList<ushort> ButtonCodes =
    [
        LinuxInput.BTN_LEFT, LinuxInput.BTN_RIGHT, LinuxInput.BTN_MIDDLE, LinuxInput.BTN_GEAR_UP,
        LinuxInput.BTN_GEAR_DOWN, LinuxInput.BTN_SIDE, LinuxInput.BTN_EXTRA,
    ];

    private readonly List<(byte Select, byte Subselect, byte[] Data)> _entries = [];

    private VirtioInputProfile(string name, InputEventKinds kinds, ushort product, ushort version)
    {
        Name = name;
        Kinds = kinds;
        Add(IdName, 0, [.. Encoding.ASCII.GetBytes(name), 0]); // QEMU counts the terminating NUL in the size
        var ids = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(ids, LinuxInput.BUS_VIRTUAL);
        BinaryPrimitives.WriteUInt16LittleEndian(ids.AsSpan(2), 0x0627); // QEMU's vendor id for its USB HID devices too
        BinaryPrimitives.WriteUInt16LittleEndian(ids.AsSpan(4), product);
        BinaryPrimitives.WriteUInt16LittleEndian(ids.AsSpan(6), version);
        Add(IdDevids, 0, ids);
    }

    public string Name { get; }

    /// <summary>The host input this device takes (QEMU routes each kind to the first device taking it).</summary>
    public InputEventKinds Kinds { get; }

    /// <summary>Whether the wheel "buttons" are sent as REL_WHEEL steps (QEMU's wheel-axis property, on by default).</summary>
    public bool WheelAxis { get; private init; }

    /// <summary>The entries in the order QEMU adds them.</summary>
    public IReadOnlyList<(byte Select, byte Subselect, byte[] Data)> Entries => _entries;

    /// <summary>QEMU's virtio-keyboard-device: every key of its QKeyCode table, three LEDs, autorepeat left to the guest.</summary>
    public static VirtioInputProfile Keyboard()
    {
        var profile = new VirtioInputProfile("QEMU Virtio Keyboard", InputEventKinds.Key, product: 1, version: 1);
        profile.Add(EvBits, (byte)LinuxInput.EV_REP, [0]);
        profile.Add(EvBits, (byte)LinuxInput.EV_LED, [(1 << LinuxInput.LED_NUML) | (1 << LinuxInput.LED_CAPSL) | (1 << LinuxInput.LED_SCROLLL)]);
        profile.Add(EvBits, (byte)LinuxInput.EV_KEY, Bitmap(QKeyCodes.All.Select(k => k.LinuxCode).Where(c => c != 0)));
        return profile;
    }

    /// <summary>QEMU's virtio-mouse-device (wheel-axis on): relative X, Y and wheel, and the buttons.</summary>
    public static VirtioInputProfile Mouse()
    {
        var profile = new VirtioInputProfile("QEMU Virtio Mouse", InputEventKinds.Button | InputEventKinds.Relative, product: 2, version: 2)
        {
            WheelAxis = true,
        };
        profile.Add(EvBits, (byte)LinuxInput.EV_REL, Bitmap([LinuxInput.REL_X, LinuxInput.REL_Y, LinuxInput.REL_WHEEL]));
        profile.Add(EvBits, (byte)LinuxInput.EV_KEY, Bitmap(ButtonCodes));
        return profile;
    }

    /// <summary>QEMU's virtio-tablet-device (wheel-axis on): absolute X and Y in 0..0x7fff, the wheel, and the buttons.</summary>
    public static VirtioInputProfile Tablet()
    {
        var profile = new VirtioInputProfile("QEMU Virtio Tablet", InputEventKinds.Button | InputEventKinds.Absolute, product: 3, version: 2)
        {
            WheelAxis = true,
        };
        profile.Add(EvBits, (byte)LinuxInput.EV_ABS, Bitmap([LinuxInput.ABS_X, LinuxInput.ABS_Y]));
        profile.Add(EvBits, (byte)LinuxInput.EV_REL, Bitmap([LinuxInput.REL_WHEEL]));
        profile.Add(AbsInfo, (byte)LinuxInput.ABS_X, AxisInfo(0, AbsoluteMaximum));
        profile.Add(AbsInfo, (byte)LinuxInput.ABS_Y, AxisInfo(0, AbsoluteMaximum));
        profile.Add(EvBits, (byte)LinuxInput.EV_KEY, Bitmap(ButtonCodes));
        return profile;
    }

    /// <summary>Adds the optional serial string (QEMU's serial property): its bytes without a terminator, at most 128.</summary>
    public VirtioInputProfile WithSerial(string? serial)
    {
        if (serial is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(serial);
            Add(IdSerial, 0, bytes[..Math.Min(bytes.Length, 127)]);
        }

        return this;
    }

    /// <summary>The entry for (select, subselect), or null: the device then reports size 0.</summary>
    public byte[]? Find(byte select, byte subselect)
    {
        foreach (var entry in _entries)
        {
            if (entry.Select == select && entry.Subselect == subselect)
            {
                return entry.Data;
            }
        }

        return null;
    }

    /// <summary>A bitmap of codes, as many bytes as the highest code needs (QEMU's size for EV_KEY).</summary>
    private static byte[] Bitmap(IEnumerable<ushort> codes)
    {
        var set = codes.ToArray();
        var bitmap = new byte[set.Length == 0 ? 0 : (set.Max() / 8) + 1];
        foreach (var code in set)
        {
            bitmap[code / 8] |= (byte)(1 << (code % 8));
        }

        return bitmap;
    }

    /// <summary>virtio_input_absinfo { le32 min, max, fuzz, flat, res }.</summary>
    private static byte[] AxisInfo(int minimum, int maximum)
    {
        var info = new byte[20];
        BinaryPrimitives.WriteInt32LittleEndian(info, minimum);
        BinaryPrimitives.WriteInt32LittleEndian(info.AsSpan(4), maximum);
        return info;
    }

    private void Add(byte select, byte subselect, byte[] data) => _entries.Add((select, subselect, data));
}
