using System.Runtime.InteropServices;

namespace Emulator.Window;

/// <summary>
/// SDL 2's SDL_Event union (56 bytes on 64-bit hosts), with the members of the kinds the window reads at their
/// offsets in SDL_events.h: the common type; SDL_WindowEvent (event, data1, data2); SDL_KeyboardEvent (repeat,
/// keysym.scancode); SDL_MouseMotionEvent and SDL_MouseButtonEvent (button, x, y); SDL_MouseWheelEvent (y, direction).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 56)]
internal struct SdlEvent
{
    [FieldOffset(0)]
    public uint Type;

    /// <summary>SDL_WindowEvent.event (an SDL_WindowEventID).</summary>
    [FieldOffset(12)]
    public byte WindowEvent;

    /// <summary>SDL_KeyboardEvent.repeat: non-zero for the host's key repeat.</summary>
    [FieldOffset(13)]
    public byte KeyRepeat;

    /// <summary>SDL_WindowEvent.data1 (the new width on a size change).</summary>
    [FieldOffset(16)]
    public int WindowData1;

    /// <summary>SDL_WindowEvent.data2 (the new height on a size change).</summary>
    [FieldOffset(20)]
    public int WindowData2;

    /// <summary>SDL_KeyboardEvent.keysym.scancode: a USB HID keyboard usage (SDL_Scancode).</summary>
    [FieldOffset(16)]
    public int Scancode;

    /// <summary>SDL_MouseButtonEvent.button.</summary>
    [FieldOffset(16)]
    public byte MouseButton;

    /// <summary>SDL_MouseWheelEvent.y: positive away from the user.</summary>
    [FieldOffset(20)]
    public int WheelY;

    /// <summary>SDL_MouseWheelEvent.direction: 1 (SDL_MOUSEWHEEL_FLIPPED) when the host's scrolling is natural, y inverted.</summary>
    [FieldOffset(24)]
    public uint WheelDirection;

    /// <summary>SDL_MouseMotionEvent.x and SDL_MouseButtonEvent.x, in window coordinates.</summary>
    [FieldOffset(20)]
    public int MouseX;

    /// <summary>SDL_MouseMotionEvent.y and SDL_MouseButtonEvent.y.</summary>
    [FieldOffset(24)]
    public int MouseY;
}
