namespace Emulator.Devices.Input;

/// <summary>The kinds of host input a device takes (QEMU's InputEventKind as a mask: key 1, btn 2, rel 4, abs 8).</summary>
[Flags]
public enum InputEventKinds
{
    None = 0,
    Key = 1,
    Button = 2,
    Relative = 4,
    Absolute = 8,
}
