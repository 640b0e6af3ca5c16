namespace Emulator.Window;

/// <summary>
/// How often the window looks at the guest's picture. Finding a change means reading the whole framebuffer (the guest
/// writes RAM directly; nothing says what it touched), 3 MiB at 1024x768: 60 times a second while the picture moves or
/// the user types or points into the window, and once the picture has been still for a second, 15 times a second,
/// until the next change or input.
/// </summary>
public sealed class CapturePacer
{
    public const int ActiveHz = 60;

    public const int IdleHz = 15;

    /// <summary>Still captures in a row after which the pace drops (a second's worth).</summary>
    public const int StillCapturesBeforeIdle = ActiveHz;

    private int _stillCaptures;

    public bool IsIdle => _stillCaptures >= StillCapturesBeforeIdle;

    /// <summary>Captures a second at the current pace.</summary>
    public int Hz => IsIdle ? IdleHz : ActiveHz;

    /// <summary>A capture was made; whether it found a changed picture.</summary>
    public void Captured(bool changed) => _stillCaptures = changed ? 0 : Math.Min(_stillCaptures + 1, StillCapturesBeforeIdle);

    /// <summary>The user typed or pointed into the window: a reply on the screen is likely, so look often again.</summary>
    public void Input() => _stillCaptures = 0;
}
