namespace Emulator.Devices.Display;

/// <summary>
/// One picture of a display: <see cref="Width"/> x <see cref="Height"/> pixels, row after row, each an
/// opaque 0xFFRRGGBB value (XRGB8888 with the unused byte set, so it also reads as ARGB8888).
/// <see cref="Generation"/> grows whenever the picture differs from the previous one a source produced.
/// </summary>
public sealed class DisplayFrame(int width, int height, uint[] pixels, long generation)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    public uint[] Pixels { get; } = pixels;

    public long Generation { get; } = generation;
}
