namespace Emulator.Devices.Input;

/// <summary>One Linux input event as virtio-input carries it: { le16 type; le16 code; le32 value } (VirtIO 1.2, 5.8.6).</summary>
public readonly record struct InputEvent(ushort Type, ushort Code, int Value)
{
    public const int Size = 8;

    public static readonly InputEvent SynReport = new(LinuxInput.EV_SYN, LinuxInput.SYN_REPORT, 0);
}
