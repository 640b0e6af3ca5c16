using Emulator.Devices.Display;

namespace Emulator.Window;

/// <summary>
/// Decides when the window draws: only when the picture changed or the window needs it (exposed, resized). A
/// display source hands back the same <see cref="DisplayFrame"/> object while the guest's framebuffer bytes stay
/// the same (ramfb compares them at each capture), so a change is a different object; null (no picture yet, or
/// between a reset's machines) is a picture of its own, the black placeholder.
/// </summary>
public sealed class RedrawTracker
{
    private DisplayFrame? _shown;
    private bool _anyShown;
    private bool _invalid = true;

    /// <summary>The window must be drawn again even if the picture did not change (exposed, resized).</summary>
    public void Invalidate() => _invalid = true;

    /// <summary>Whether <paramref name="frame"/> must be uploaded: it is not the picture shown now.</summary>
    public bool IsNew(DisplayFrame? frame) => !_anyShown || !ReferenceEquals(frame, _shown);

    /// <summary>Whether the window must be drawn with <paramref name="frame"/>.</summary>
    public bool NeedsRedraw(DisplayFrame? frame) => _invalid || IsNew(frame);

    /// <summary>The window now shows <paramref name="frame"/>.</summary>
    public void Shown(DisplayFrame? frame)
    {
        _shown = frame;
        _anyShown = true;
        _invalid = false;
    }
}
