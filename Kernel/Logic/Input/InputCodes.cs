namespace Kernel.Logic.Input
{
    /// <summary>Numbers from Linux's input interface (<c>input-event-codes.h</c>, <c>input.h</c>) that the kernel uses.</summary>
    public static class InputCodes
    {
        public const ushort EV_SYN = 0, EV_KEY = 1, EV_REL = 2, EV_ABS = 3, EV_MSC = 4, EV_LED = 0x11, EV_REP = 0x14, EV_MAX = 0x1f;
        public const ushort SYN_REPORT = 0, SYN_DROPPED = 3;
        public const ushort KEY_MAX = 0x2ff, ABS_MAX = 0x3f;
        /// <summary>Bytes of a bitmap of every code of each type (Linux's sizes rounded to whole longs).</summary>
        public const int KeyBitmapBytes = 96, TypeBitmapBytes = 8;
        /// <summary><c>struct input_event</c> on arm64: a 16-byte timeval, type, code, value.</summary>
        public const int EventBytes = 24;
        /// <summary><c>struct input_absinfo</c>: value, minimum, maximum, fuzz, flat, resolution.</summary>
        public const int AbsInfoBytes = 24;
        public const int Version = 0x010001;

        /// <summary>Writes <paramref name="e"/> as <c>struct input_event</c>.</summary>
        public static void Encode(System.Span<byte> destination, in InputEvent e)
        {
            LittleEndian.Put64(destination, 0, e.TimeNs / 1_000_000_000);
            LittleEndian.Put64(destination, 8, e.TimeNs % 1_000_000_000 / 1000);
            LittleEndian.Put16(destination, 16, e.Type);
            LittleEndian.Put16(destination, 18, e.Code);
            LittleEndian.Put32(destination, 20, (uint)e.Value);
        }
    }
}
