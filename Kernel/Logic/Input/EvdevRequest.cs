namespace Kernel.Logic.Input
{
    /// <summary>
    /// Decodes an evdev ioctl number (<c>_IOC(dir, 'E', nr, size)</c>) into what it asks, as Linux's
    /// evdev_do_ioctl reads them: fixed commands first, then the readable ones whose size the caller
    /// chooses (names and bitmaps) or whose number carries an argument (EVIOCGBIT's type, EVIOCGABS's axis).
    /// </summary>
    public readonly struct EvdevRequest
    {
        public enum Kind
        {
            Unknown, Version, Id, Repeat, Name, Phys, Uniq, Properties, KeyState, LedState, SoundState, SwitchState,
            Bits, AbsInfo, Grab, ClockId,
        }

        public const uint EVIOCGVERSION = 0x80044501, EVIOCGID = 0x80084502, EVIOCGREP = 0x80084503,
            EVIOCGRAB = 0x40044590, EVIOCSCLOCKID = 0x400445a0;
        private const uint DirectionRead = 2;

        public readonly Kind What;
        /// <summary>Bytes the caller's buffer holds (from the number's size field).</summary>
        public readonly int Size;
        /// <summary>EVIOCGBIT's event type, EVIOCGABS's axis.</summary>
        public readonly int Argument;

        private EvdevRequest(Kind what, int size, int argument)
        {
            What = what;
            Size = size;
            Argument = argument;
        }

        public static EvdevRequest Decode(uint command)
        {
            switch (command)
            {
                case EVIOCGVERSION: return new EvdevRequest(Kind.Version, 4, 0);
                case EVIOCGID: return new EvdevRequest(Kind.Id, 8, 0);
                case EVIOCGREP: return new EvdevRequest(Kind.Repeat, 8, 0);
                case EVIOCGRAB: return new EvdevRequest(Kind.Grab, 4, 0);
                case EVIOCSCLOCKID: return new EvdevRequest(Kind.ClockId, 4, 0);
            }
            uint direction = command >> 30, type = (command >> 8) & 0xFF, number = command & 0xFF;
            int size = (int)((command >> 16) & 0x3FFF);
            if (type != 'E' || direction != DirectionRead)
                return default;
            if ((number & ~(uint)InputCodes.EV_MAX) == 0x20)
                return new EvdevRequest(Kind.Bits, size, (int)(number & InputCodes.EV_MAX));
            if ((number & ~(uint)InputCodes.ABS_MAX) == 0x40)
                return new EvdevRequest(Kind.AbsInfo, size, (int)(number & InputCodes.ABS_MAX));
            Kind kind = number switch
            {
                0x06 => Kind.Name,
                0x07 => Kind.Phys,
                0x08 => Kind.Uniq,
                0x09 => Kind.Properties,
                0x18 => Kind.KeyState,
                0x19 => Kind.LedState,
                0x1a => Kind.SoundState,
                0x1b => Kind.SwitchState,
                _ => Kind.Unknown,
            };
            return new EvdevRequest(kind, size, 0);
        }

        /// <summary>
        /// Bytes of Linux's bitmap of each type's codes (whole longs, as bits_to_user copies them), or 0 for a
        /// type with none; type 0 is the bitmap of event types.
        /// </summary>
        public static int BitmapBytes(int type) => type switch
        {
            0 or InputCodes.EV_REL or InputCodes.EV_ABS or InputCodes.EV_MSC or InputCodes.EV_LED => 8,
            0x05 /* EV_SW */ or 0x12 /* EV_SND */ => 8,
            InputCodes.EV_KEY => InputCodes.KeyBitmapBytes,
            0x15 /* EV_FF */ => 16,
            _ => 0,
        };
    }
}
