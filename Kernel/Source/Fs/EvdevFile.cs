using System;
using Kernel.Arch;
using Kernel.Drivers.Virtio;
using Kernel.Input;
using Kernel.Logic;
using Kernel.Logic.Input;
using Kernel.Memory;
using Kernel.Threading;
using Kernel.Time;

namespace Kernel.Fs
{
    /// <summary>
    /// /dev/input/eventN (13, 64+N): Linux's evdev interface to an input device. Each open file has its own
    /// queue (<see cref="EventQueue"/>); read gives whole <c>struct input_event</c>s of complete packets,
    /// blocking unless O_NONBLOCK; poll says readable when a packet waits. The ioctls describe the device
    /// (version, ids, name, phys, bitmaps of event types and codes, key state, absolute axes), EVIOCGRAB makes
    /// this file the only one the events go to (and keeps a keyboard's keys from the console), and
    /// EVIOCSCLOCKID chooses the timestamps' clock (monotonic by default, as Linux). A write injects whole
    /// events the device can send, as if it had sent them.
    /// </summary>
    public sealed class EvdevFile : OpenFile
    {
        public const uint Major = 13, FirstMinor = 64;
        private const int QueueLength = 256;

        private readonly VirtioInput _device;
        private readonly EventQueue _queue = new EventQueue(QueueLength);
        private int _clock = ClockIds.Monotonic;

        private EvdevFile(VirtioInput device)
        {
            _device = device;
        }

        /// <summary>Opens event device <paramref name="index"/>; -ENODEV when there is none, -EMFILE when it has too many readers.</summary>
        public static int Open(uint index, out OpenFile? file)
        {
            file = null;
            VirtioInput? device = VirtioInput.At((int)index);
            if (device == null)
                return -Errno.ENODEV;
            var evdev = new EvdevFile(device);
            ulong daif = Cpu.SaveAndDisableInterrupts();
            bool added = InputHub.AddClient(device, evdev);
            Cpu.RestoreInterrupts(daif);
            if (!added)
            {
                evdev._queue.Free();
                Owned.Free(evdev);
                return -Errno.EMFILE;
            }
            file = evdev;
            return 0;
        }

        public override object WaitChannel => _device;

        /// <summary>From the input layer (interrupts masked).</summary>
        internal void Queue(in InputEvent e)
        {
            InputEvent stamped = e;
            if (_clock == ClockIds.Realtime)
                stamped.TimeNs = e.TimeNs + (Clock.RealtimeNanoseconds() - Clock.MonotonicNanoseconds());
            _queue.Add(stamped);
        }

        public override long Read(Span<byte> destination)
        {
            if (destination.Length < InputCodes.EventBytes)
                return -Errno.EINVAL;
            while (true)
            {
                ulong daif = Cpu.SaveAndDisableInterrupts();
                if (_queue.Readable > 0)
                {
                    int n = 0;
                    while (n + InputCodes.EventBytes <= destination.Length && _queue.TryTake(out InputEvent e))
                    {
                        InputCodes.Encode(destination.Slice(n), e);
                        n += InputCodes.EventBytes;
                    }
                    Cpu.RestoreInterrupts(daif);
                    return n;
                }
                int r = Waiting.BlockUnlessNonBlocking(_device, NonBlocking, daif);
                if (r < 0)
                    return r;
            }
        }

        public override long Write(ReadOnlySpan<byte> source)
        {
            if (source.Length > 0 && source.Length < InputCodes.EventBytes)
                return -Errno.EINVAL;
            int n = 0;
            ulong now = Clock.MonotonicNanoseconds();
            ulong daif = Cpu.SaveAndDisableInterrupts();
            for (; n + InputCodes.EventBytes <= source.Length; n += InputCodes.EventBytes)
            {
                var e = new InputEvent(now, LittleEndian.U16(source, n + 16), LittleEndian.U16(source, n + 18), (int)LittleEndian.U32(source, n + 20));
                // As Linux's input_inject_event: only what the device can send.
                if (e.Type == InputCodes.EV_SYN || _device.Has(e.Type, e.Code))
                    _device.Report(e);
            }
            Cpu.RestoreInterrupts(daif);
            return n;
        }

        public override int Poll() => _queue.Readable > 0 ? OpenFlags.PollIn | OpenFlags.PollRdNorm | OpenFlags.PollOut | OpenFlags.PollWrNorm : OpenFlags.PollOut | OpenFlags.PollWrNorm;

        public override int Ioctl(uint command, ulong argument)
        {
            EvdevRequest request = EvdevRequest.Decode(command);
            switch (request.What)
            {
                case EvdevRequest.Kind.Version:
                    return UserMemory.Write(argument, InputCodes.Version);
                case EvdevRequest.Kind.Id:
                    {
                        Span<byte> id = stackalloc byte[8];
                        LittleEndian.Put16(id, 0, _device.BusType);
                        LittleEndian.Put16(id, 2, _device.Vendor);
                        LittleEndian.Put16(id, 4, _device.Product);
                        LittleEndian.Put16(id, 6, _device.Version);
                        return UserMemory.CopyOut(argument, id);
                    }
                case EvdevRequest.Kind.Name:
                    return CopyString(argument, request.Size, _device.Name);
                case EvdevRequest.Kind.Phys:
                    {
                        // As Linux's virtio_input names it: virtio<index>/input0, the index being the virtio device's.
                        Span<byte> phys = stackalloc byte[24];
                        var text = new TextBuilder(phys);
                        text.Append("virtio"u8);
                        text.Decimal((ulong)_device.Transport.Index);
                        text.Append("/input0"u8);
                        return CopyString(argument, request.Size, text.Text);
                    }
                case EvdevRequest.Kind.Uniq:
                    return _device.Serial.Length > 0 ? CopyString(argument, request.Size, _device.Serial) : -Errno.ENOENT;
                case EvdevRequest.Kind.Properties:
                    return CopyBits(argument, request.Size, _device.Properties);
                case EvdevRequest.Kind.KeyState:
                    {
                        Span<byte> state = stackalloc byte[InputCodes.KeyBitmapBytes];
                        ulong daif = Cpu.SaveAndDisableInterrupts();
                        _device.KeyState.CopyTo(state);
                        Cpu.RestoreInterrupts(daif);
                        return CopyBits(argument, request.Size, state);
                    }
                case EvdevRequest.Kind.LedState:
                case EvdevRequest.Kind.SoundState:
                case EvdevRequest.Kind.SwitchState:
                    {
                        Span<byte> none = stackalloc byte[8];
                        none.Clear();
                        return CopyBits(argument, request.Size, none);
                    }
                case EvdevRequest.Kind.Bits:
                    {
                        int bytes = EvdevRequest.BitmapBytes(request.Argument);
                        if (bytes == 0)
                            return -Errno.EINVAL;
                        Span<byte> bits = stackalloc byte[InputCodes.KeyBitmapBytes];
                        bits.Clear();
                        byte[]? known = _device.Bitmap(request.Argument);
                        if (known != null)
                            new ReadOnlySpan<byte>(known).CopyTo(bits);
                        return CopyBits(argument, request.Size, bits.Slice(0, bytes));
                    }
                case EvdevRequest.Kind.AbsInfo:
                    {
                        if (!_device.Has(InputCodes.EV_ABS, request.Argument))
                            return -Errno.EINVAL;
                        Span<byte> info = stackalloc byte[InputCodes.AbsInfoBytes];
                        ulong daif = Cpu.SaveAndDisableInterrupts();
                        _device.AbsInfo(request.Argument, info);
                        Cpu.RestoreInterrupts(daif);
                        int n = request.Size < InputCodes.AbsInfoBytes ? request.Size : InputCodes.AbsInfoBytes;
                        return UserMemory.CopyOut(argument, info.Slice(0, n));
                    }
                case EvdevRequest.Kind.Grab:
                    {
                        ulong daif = Cpu.SaveAndDisableInterrupts();
                        int r = InputHub.Grab(_device, this, argument != 0);
                        Cpu.RestoreInterrupts(daif);
                        return r;
                    }
                case EvdevRequest.Kind.ClockId:
                    {
                        int r = UserMemory.Read(argument, out int clock);
                        if (r < 0)
                            return r;
                        if (clock != ClockIds.Realtime && clock != ClockIds.Monotonic && clock != ClockIds.Boottime)
                            return -Errno.EINVAL;
                        ulong daif = Cpu.SaveAndDisableInterrupts();
                        _clock = clock == ClockIds.Realtime ? ClockIds.Realtime : ClockIds.Monotonic; // boot time is monotonic time here (no suspend)
                        _queue.Clear();
                        Cpu.RestoreInterrupts(daif);
                        return 0;
                    }
                case EvdevRequest.Kind.Repeat:
                    return -Errno.EINVAL; // no autorepeat settings: QEMU's devices repeat themselves
                default:
                    return -Errno.EINVAL;
            }
        }

        /// <summary>A string and its NUL, cut to the caller's size; the bytes copied.</summary>
        private static int CopyString(ulong destination, int size, ReadOnlySpan<byte> text)
        {
            if (size == 0)
                return 0;
            Span<byte> buffer = stackalloc byte[130];
            int n = text.Length < 128 ? text.Length : 128;
            text.Slice(0, n).CopyTo(buffer);
            buffer[n++] = 0;
            if (n > size)
                n = size;
            int r = UserMemory.CopyOut(destination, buffer.Slice(0, n));
            return r < 0 ? r : n;
        }

        /// <summary>A bitmap cut to the caller's size; the bytes copied.</summary>
        private static int CopyBits(ulong destination, int size, ReadOnlySpan<byte> bits)
        {
            int n = bits.Length < size ? bits.Length : size;
            int r = UserMemory.CopyOut(destination, bits.Slice(0, n));
            return r < 0 ? r : n;
        }

        protected override void Closed()
        {
            ulong daif = Cpu.SaveAndDisableInterrupts();
            InputHub.RemoveClient(_device, this);
            Cpu.RestoreInterrupts(daif);
            Scheduler.WakeAll(_device);
            _queue.Free();
            base.Closed();
        }
    }
}
