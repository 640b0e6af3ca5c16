namespace Emulator.Core.Board;

/// <summary>QEMU's three virtio input devices.</summary>
public enum VirtioInputKind
{
    Keyboard,
    Mouse,
    Tablet,
}
