namespace Emulator;

/// <summary>
/// What the display is when the command line does not say: as QEMU, a window when one can be shown, here when a
/// display server is named ($DISPLAY for X11, $WAYLAND_DISPLAY for Wayland) and the machine has a picture to show
/// (-device ramfb); otherwise none, and the serial console on the terminal is the only one.
/// </summary>
public static class DefaultDisplay
{
    /// <summary>The display <paramref name="chosen"/> stands for; <see cref="DisplayKind.Default"/> becomes None or Sdl.</summary>
    public static DisplayKind Resolve(DisplayKind chosen, bool ramfb, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (chosen != DisplayKind.Default)
        {
            return chosen;
        }

        return ramfb && HasDisplayServer(environment) ? DisplayKind.Sdl : DisplayKind.None;
    }

    /// <summary>Whether the environment names a display server a window could open on.</summary>
    public static bool HasDisplayServer(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return !string.IsNullOrEmpty(environment("DISPLAY")) || !string.IsNullOrEmpty(environment("WAYLAND_DISPLAY"));
    }
}
