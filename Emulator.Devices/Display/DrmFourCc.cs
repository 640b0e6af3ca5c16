namespace Emulator.Devices.Display;

/// <summary>
/// The Linux DRM pixel formats (include/uapi/drm/drm_fourcc.h) that ramfb accepts, as QEMU 7.2's
/// qemu_drm_format_to_pixman maps them. The names give the components from the most significant bit of a
/// little-endian pixel: XR24 is the bytes B, G, R, X in memory; RG24 the bytes B, G, R.
/// </summary>
public static class DrmFourCc
{
    /// <summary>'XR24', XRGB8888.</summary>
    public const uint Xrgb8888 = 0x3432_5258;

    /// <summary>'AR24', ARGB8888 (the alpha byte is ignored on display).</summary>
    public const uint Argb8888 = 0x3432_5241;

    /// <summary>'RG24', RGB888: three bytes a pixel.</summary>
    public const uint Rgb888 = 0x3432_4752;

    /// <summary>Bytes per pixel of a supported format; 0 for any other.</summary>
    public static int BytesPerPixel(uint fourcc) => fourcc switch
    {
        Xrgb8888 or Argb8888 => 4,
        Rgb888 => 3,
        _ => 0,
    };
}
