using Emulator.Core.Boot;
using Emulator.Devices.Display;

namespace Emulator.Core.Board;

/// <summary>
/// The picture our machine sets up as firmware would when it boots a kernel directly with
/// <c>-device ramfb</c> (our extension: QEMU's virt without UEFI leaves ramfb unconfigured, and Linux has no
/// ramfb driver). The emulator writes etc/ramfb itself, with a <see cref="Width"/> x <see cref="Height"/>
/// XRGB8888 framebuffer at the top of RAM, and the device tree describes it to the kernel as a
/// <c>simple-framebuffer</c> in /chosen, its memory a <c>no-map</c> region of /reserved-memory (Linux maps a
/// framebuffer write-combined, which arm64 refuses for RAM in its linear map). The boot files are placed
/// below <see cref="ReservedBase"/>. A guest may still write etc/ramfb: the display then shows its choice.
/// </summary>
public sealed record FirmwareFramebuffer(RamfbConfig Config, ulong ReservedBase, ulong ReservedSize)
{
    public const uint Width = 1024;
    public const uint Height = 768;

    /// <summary>The simple-framebuffer binding's name for <see cref="DrmFourCc.Xrgb8888"/>.</summary>
    public const string Format = "x8r8g8b8";

    private const ulong TwoMiB = 2UL << 20;

    /// <summary>The reservation's size is a multiple of this, so that it is whole pages for any arm64 page size.</summary>
    private const ulong Granule = 64UL << 10;

    /// <summary>
    /// The framebuffer our machine configures for <paramref name="config"/>, or null when it configures none:
    /// only with -device ramfb and a kernel booted by the arm64 Linux boot protocol (an Image; an ELF kernel is a
    /// bare-metal program that sets up what it wants, as on QEMU). A -dtb gets the nodes added, as it gets
    /// /chosen's boot arguments and the memory node.
    /// </summary>
    public static FirmwareFramebuffer? For(MachineConfig config, KernelImage kernel)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(kernel);
        return config.Ramfb && kernel.RelativeToRam ? AtTopOfRam(VirtLayout.RamBase, config.RamSize) : null;
    }

    /// <summary>
    /// The default mode's framebuffer at the top of RAM: its base 2 MiB-aligned (a block of the kernel's linear
    /// map), the reservation running from there to the frame's end rounded up to 64 KiB.
    /// </summary>
    public static FirmwareFramebuffer AtTopOfRam(ulong ramBase, ulong ramSize)
    {
        var config = new RamfbConfig(0, DrmFourCc.Xrgb8888, 0, Width, Height, Width * 4);
        var reservedSize = (config.FrameSpan + Granule - 1) & ~(Granule - 1);
        var top = ramBase + ramSize;
        if (ramSize < AlignUp(reservedSize, TwoMiB) * 2)
        {
            throw new BootException(
                $"-device ramfb: the {Width}x{Height} framebuffer ({reservedSize >> 10} KiB at the top of RAM) leaves too little of -m {ramSize >> 20}M; use a larger -m");
        }

        var reservedBase = (top - reservedSize) & ~(TwoMiB - 1);
        return new FirmwareFramebuffer(config with { Address = reservedBase }, reservedBase, reservedSize);
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);
}
