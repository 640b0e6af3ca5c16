namespace Emulator.Window;

/// <summary>
/// Where a frame goes in a window of another size: the largest rectangle of the frame's aspect ratio that fits,
/// centred, with black bars on the two other sides (letterbox or pillarbox). Coordinates are pixels of the
/// window's drawable area, the origin top left.
/// </summary>
public readonly record struct Letterbox(int X, int Y, int Width, int Height)
{
    /// <summary>The tablet's axis range: 0..0x7fff, as QEMU's virtio-tablet and its input layer scale to.</summary>
    public const int TabletMax = 0x7fff;

    public bool IsEmpty => Width <= 0 || Height <= 0;

    /// <summary>Places a <paramref name="frameWidth"/> x <paramref name="frameHeight"/> frame in the window.</summary>
    public static Letterbox Fit(int frameWidth, int frameHeight, int windowWidth, int windowHeight)
    {
        if (frameWidth <= 0 || frameHeight <= 0 || windowWidth <= 0 || windowHeight <= 0)
        {
            return default;
        }

        // Compare the aspect ratios without division: is the window relatively wider than the frame?
        if ((long)windowWidth * frameHeight > (long)windowHeight * frameWidth)
        {
            var width = (int)Math.Max(1, (((long)windowHeight * frameWidth) + (frameHeight / 2)) / frameHeight);
            return new Letterbox((windowWidth - width) / 2, 0, width, windowHeight);
        }

        var height = (int)Math.Max(1, (((long)windowWidth * frameHeight) + (frameWidth / 2)) / frameWidth);
        return new Letterbox(0, (windowHeight - height) / 2, windowWidth, height);
    }

    /// <summary>
    /// The frame pixel under a window point, clamped to the frame (a pointer over a bar is at the frame's edge).
    /// </summary>
    public (int X, int Y) ToFrame(int x, int y, int frameWidth, int frameHeight)
    {
        if (IsEmpty)
        {
            return (0, 0);
        }

        var fx = (long)(x - X) * frameWidth / Width;
        var fy = (long)(y - Y) * frameHeight / Height;
        return ((int)Math.Clamp(fx, 0, frameWidth - 1), (int)Math.Clamp(fy, 0, frameHeight - 1));
    }

    /// <summary>A frame coordinate on the tablet's 0..0x7fff axis, as QEMU's qemu_input_scale_axis scales it.</summary>
    public static int TabletAxis(int value, int size) =>
        size <= 0 ? 0 : (int)Math.Clamp((long)value * TabletMax / size, 0, TabletMax);
}
