using System;
using Kernel.Diagnostics;
using Kernel.Logic;
using Kernel.Logic.Input;
using Kernel.Logic.Virtio;
using Kernel.Memory;

namespace Kernel.Drivers.Virtio
{
    /// <summary>
    /// virtio-input (VirtIO 1.2 §5.8): a keyboard, tablet or mouse that sends Linux input events
    /// ({ le16 type, le16 code, le32 value }) on its event queue. The configuration space says what it is:
    /// name, ids, and a bitmap of the codes of each event type; the driver reads them once. It keeps the
    /// device's state (keys down, axes' values) and hands each event up to <see cref="EventSink"/> (the input
    /// layer: evdev's readers and the console keyboard). The status queue (LEDs) is not used.
    /// </summary>
    public sealed unsafe class VirtioInput
    {
        public const int MaxDevices = 8;

        /// <summary>Where each event goes (interrupts masked), set by the input layer at boot.</summary>
        public static delegate*<VirtioInput, InputEvent, void> EventSink;
        private const int EventSlots = 64, EventBytes = 8;
        private const byte SelectName = 1, SelectSerial = 2, SelectIds = 3, SelectProperties = 0x10, SelectEventBits = 0x11, SelectAbsInfo = 0x12;
        private const uint ConfigSelect = 0, ConfigSubselect = 1, ConfigSize = 2, ConfigData = 8;

        private static VirtioInput?[]? s_devices;
        private static int s_count;

        private readonly VirtioMmio _transport;
        private readonly SplitVirtqueue _events;
        private readonly byte* _slots;
        private readonly ulong _slotsPhysical;
        private readonly short[] _slotOfHead;
        private readonly byte[]?[] _bits = new byte[]?[InputCodes.EV_MAX + 1];
        private readonly int[] _absInfo = new int[(InputCodes.ABS_MAX + 1) * 5];
        private readonly int[] _absValue = new int[InputCodes.ABS_MAX + 1];
        private readonly byte[] _keyState = new byte[InputCodes.KeyBitmapBytes];
        private readonly byte[] _properties = new byte[8];

        public int Index { get; }
        public byte[] Name { get; }
        public byte[] Serial { get; }
        public ushort BusType { get; private set; }
        public ushort Vendor { get; private set; }
        public ushort Product { get; private set; }
        public ushort Version { get; private set; }
        public VirtioMmio Transport => _transport;
        /// <summary>A keyboard: it has letter keys (KEY_A is 30).</summary>
        public bool IsKeyboard => Has(InputCodes.EV_KEY, 30);

        public static int Count => s_count;
        public static VirtioInput? At(int index) => (uint)index < (uint)s_count ? s_devices![index] : null;

        private VirtioInput(VirtioMmio transport, SplitVirtqueue events, byte* slots, ulong slotsPhysical, int index)
        {
            _transport = transport;
            _events = events;
            _slots = slots;
            _slotsPhysical = slotsPhysical;
            Index = index;
            _slotOfHead = new short[events.Size];
            Name = ReadString(SelectName);
            Serial = ReadString(SelectSerial);
            Span<byte> ids = stackalloc byte[8];
            if (ReadConfig(SelectIds, 0, ids) >= 8)
            {
                BusType = LittleEndian.U16(ids, 0);
                Vendor = LittleEndian.U16(ids, 2);
                Product = LittleEndian.U16(ids, 4);
                Version = LittleEndian.U16(ids, 6);
            }
            ReadConfig(SelectProperties, 0, _properties);
            Span<byte> bitmap = stackalloc byte[128];
            byte[] types = new byte[8];
            types[0] = 1; // EV_SYN, as Linux's input core sets for every device
            for (int type = 1; type <= InputCodes.EV_MAX; type++)
            {
                int bytes = EvdevRequest.BitmapBytes(type);
                if (bytes == 0)
                    continue;
                bitmap.Clear();
                int size = ReadConfig(SelectEventBits, (byte)type, bitmap);
                if (size == 0)
                    continue;
                var bits = new byte[bytes];
                bitmap.Slice(0, bytes).CopyTo(bits);
                _bits[type] = bits;
                types[type / 8] |= (byte)(1 << (type % 8));
            }
            _bits[0] = types;
            Span<byte> abs = stackalloc byte[20];
            for (int axis = 0; axis <= InputCodes.ABS_MAX; axis++)
            {
                if (!Has(InputCodes.EV_ABS, axis) || ReadConfig(SelectAbsInfo, (byte)axis, abs) < 20)
                    continue;
                for (int i = 0; i < 5; i++)
                    _absInfo[axis * 5 + i] = (int)LittleEndian.U32(abs, i * 4);
            }
        }

        /// <summary>Drives the device on <paramref name="transport"/>; false when it refuses or there are already <see cref="MaxDevices"/>.</summary>
        public static bool Attach(VirtioMmio transport)
        {
            if (s_count == MaxDevices || transport.Negotiate(VirtioFeatures.Bit(VirtioFeatures.Version1)) < 0)
                return false;
            SplitVirtqueue? events = transport.SetUpQueue(0, EventSlots);
            ulong physical = 0;
            byte* slots = events != null ? DmaMemory.Allocate(PageAllocator.PageSize, out physical) : null;
            if (slots == null)
            {
                transport.Fail();
                return false;
            }
            var device = new VirtioInput(transport, events!, slots, physical, s_count);
            transport.Start();
            for (int i = 0; i < events!.Size && i < EventSlots; i++)
                device.Post(i);
            transport.Notify(0);
            s_devices ??= new VirtioInput?[MaxDevices];
            s_devices[s_count++] = device;
            Log.Line($"virtio-input: at {transport.PhysicalBase:x} irq {transport.Interrupt}, \"{(ReadOnlySpan<byte>)device.Name}\", /dev/input/event{device.Index}");
            return true;
        }

        private void Post(int slot)
        {
            ReadOnlySpan<VirtqBuffer> chain = stackalloc VirtqBuffer[1] { new VirtqBuffer(_slotsPhysical + (ulong)(slot * EventBytes), EventBytes, true) };
            int head = _events.Add(chain);
            if (head >= 0)
                _slotOfHead[head] = (short)slot;
        }

        private int ReadConfig(byte select, byte subselect, Span<byte> destination)
        {
            _transport.WriteConfig8(ConfigSelect, select);
            _transport.WriteConfig8(ConfigSubselect, subselect);
            int size = _transport.Config8(ConfigSize);
            int n = size < destination.Length ? size : destination.Length;
            for (int i = 0; i < n; i++)
                destination[i] = _transport.Config8(ConfigData + (uint)i);
            return size;
        }

        private byte[] ReadString(byte select)
        {
            Span<byte> text = stackalloc byte[128];
            int n = ReadConfig(select, 0, text);
            if (n > text.Length)
                n = text.Length;
            int end = Bytes.IndexOf(text.Slice(0, n), 0);
            if (end >= 0)
                n = end;
            var result = new byte[n];
            text.Slice(0, n).CopyTo(result);
            return result;
        }

        /// <summary>Whether the device sends <paramref name="code"/> of <paramref name="type"/> (type 0: whether it sends that type).</summary>
        public bool Has(int type, int code)
        {
            byte[]? bits = (uint)type <= InputCodes.EV_MAX ? _bits[type] : null;
            return bits != null && (uint)code < (uint)bits.Length * 8 && (bits[code / 8] & (1 << (code % 8))) != 0;
        }

        public byte[]? Bitmap(int type) => (uint)type <= InputCodes.EV_MAX ? _bits[type] : null;
        public ReadOnlySpan<byte> Properties => _properties;
        public ReadOnlySpan<byte> KeyState => _keyState;

        /// <summary>EVIOCGABS's struct input_absinfo for <paramref name="axis"/>: value, then the device's five numbers.</summary>
        public void AbsInfo(int axis, Span<byte> destination)
        {
            LittleEndian.Put32(destination, 0, (uint)_absValue[axis]);
            for (int i = 0; i < 5; i++)
                LittleEndian.Put32(destination, 4 + i * 4, (uint)_absInfo[axis * 5 + i]);
        }

        /// <summary>
        /// One event from the device (time 0: the input layer stamps it), or written to an event file
        /// (interrupts masked): updates the device's state and hands it up.
        /// </summary>
        public void Report(in InputEvent e)
        {
            if (e.Type == InputCodes.EV_KEY && e.Code < InputCodes.KeyBitmapBytes * 8)
            {
                if (e.Value != 0)
                    _keyState[e.Code / 8] |= (byte)(1 << (e.Code % 8));
                else
                    _keyState[e.Code / 8] &= (byte)~(1 << (e.Code % 8));
            }
            else if (e.Type == InputCodes.EV_ABS && e.Code <= InputCodes.ABS_MAX)
            {
                _absValue[e.Code] = e.Value;
            }
            if (EventSink != null)
                EventSink(this, e);
        }

        /// <summary>From the transport's interrupt: every event the device sent, each buffer posted again.</summary>
        internal void HandleInterrupt()
        {
            int n = 0;
            while (_events.TryTakeUsed(out ushort head, out uint written))
            {
                int slot = _slotOfHead[head];
                byte* e = _slots + slot * EventBytes;
                if (written >= EventBytes)
                    Report(new InputEvent(0, *(ushort*)e, *(ushort*)(e + 2), *(int*)(e + 4)));
                Post(slot);
                n++;
            }
            if (n > 0 && _events.NeedsNotification())
                _transport.Notify(0);
        }

        /// <summary>The interrupt of any virtio transport: each input device that interrupted takes its events.</summary>
        internal static void HandleInterrupts()
        {
            for (int i = 0; i < s_count; i++)
            {
                VirtioInput device = s_devices![i]!;
                if ((device._transport.TakeInterrupt() & VirtioMmio.InterruptUsedBuffer) != 0)
                    device.HandleInterrupt();
            }
        }
    }
}
