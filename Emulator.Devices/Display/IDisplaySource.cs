namespace Emulator.Devices.Display;

/// <summary>
/// A picture the machine shows: a window or a screenshot asks it for the current frame. Safe to call from
/// any thread; it reads guest memory as a real display controller would, without stopping the guest.
/// </summary>
public interface IDisplaySource
{
    /// <summary>
    /// The current picture, or null while the guest has not set up a display. A frame whose
    /// <see cref="DisplayFrame.Generation"/> equals the last one seen is the same picture (the same object):
    /// a window redraws only when the generation changes.
    /// </summary>
    DisplayFrame? Capture();
}
