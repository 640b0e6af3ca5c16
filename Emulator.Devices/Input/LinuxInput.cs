namespace Emulator.Devices.Input;

/// <summary>Linux input event types and codes (include/uapi/linux/input-event-codes.h) that the virtio input devices use.</summary>
public static class LinuxInput
{
    public const ushort EV_SYN = 0x00;
    public const ushort EV_KEY = 0x01;
    public const ushort EV_REL = 0x02;
    public const ushort EV_ABS = 0x03;
    public const ushort EV_LED = 0x11;
    public const ushort EV_REP = 0x14;

    public const ushort SYN_REPORT = 0;

    public const ushort REL_X = 0x00;
    public const ushort REL_Y = 0x01;
    public const ushort REL_WHEEL = 0x08;

    public const ushort ABS_X = 0x00;
    public const ushort ABS_Y = 0x01;

    public const ushort LED_NUML = 0x00;
    public const ushort LED_CAPSL = 0x01;
    public const ushort LED_SCROLLL = 0x02;

    public const ushort BTN_LEFT = 0x110;
    public const ushort BTN_RIGHT = 0x111;
    public const ushort BTN_MIDDLE = 0x112;
    public const ushort BTN_SIDE = 0x113;
    public const ushort BTN_EXTRA = 0x114;
    public const ushort BTN_GEAR_DOWN = 0x150;
    public const ushort BTN_GEAR_UP = 0x151;

    public const ushort BUS_VIRTUAL = 0x06;
}
