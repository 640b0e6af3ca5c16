namespace Emulator;

/// <summary>QEMU's -display choices that this emulator knows.</summary>
public enum DisplayKind
{
    /// <summary>
    /// Neither -display nor -nographic given: a window when there is a display server ($DISPLAY or
    /// $WAYLAND_DISPLAY) and something to show (-device ramfb), else none (<see cref="DefaultDisplay"/>).
    /// </summary>
    Default,

    /// <summary>No window (-display none, -nographic).</summary>
    None,

    /// <summary>A window through SDL (-display sdl).</summary>
    Sdl,
}
