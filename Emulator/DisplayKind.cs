namespace Emulator;

/// <summary>QEMU's -display choices that this emulator knows.</summary>
public enum DisplayKind
{
    /// <summary>No window (-display none, -nographic).</summary>
    None,

    /// <summary>A window through SDL (-display sdl).</summary>
    Sdl,
}
