using Emulator.Core.Board;
using Emulator.Core.DeviceTree;
using Emulator.Core.Memory;

namespace Emulator.Core.Boot;

/// <summary>
/// Where the kernel, the initrd and the device tree go in RAM, following the arm64 boot protocol: the Image
/// at a 2 MiB-aligned base plus its text_offset, the initrd after it, the DTB (8-byte aligned, at most
/// 2 MiB) in a 2 MiB block of its own after that. x0 carries the DTB's address. With a framebuffer the
/// emulator set up as firmware, all of them go below the memory reserved for it.
/// </summary>
public sealed class BootLayout
{
    private const ulong TwoMiB = 2UL << 20;
    private const int MaxDeviceTreeSize = 2 << 20;

    private BootLayout(ulong entry, ulong deviceTreeAddress, byte[] deviceTreeBlob)
    {
        Entry = entry;
        DeviceTreeAddress = deviceTreeAddress;
        DeviceTreeBlob = deviceTreeBlob;
    }

    public ulong Entry { get; }

    public ulong DeviceTreeAddress { get; }

    public byte[] DeviceTreeBlob { get; }

    public static BootLayout Place(MachineConfig config, KernelImage kernel, byte[]? initrd, FdtNode tree, GuestRam ram,
        FirmwareFramebuffer? framebuffer = null)
    {
        var offset = kernel.RelativeToRam ? ram.Base : 0;
        var end = framebuffer?.ReservedBase ?? ram.End;
        var below = framebuffer == null ? "" : $" below the framebuffer at 0x{end:x} (-device ramfb)";
        bool Fits(ulong start, ulong length) => ram.Contains(start, length) && start + length <= end;
        foreach (var segment in kernel.Segments)
        {
            var start = segment.Address + offset;
            var length = (ulong)segment.Data.Length + segment.ZeroFill;
            if (!ram.Contains(start, length))
            {
                throw new BootException(
                    $"kernel '{config.KernelPath}': it needs 0x{start:x}-0x{start + length:x}, outside RAM " +
                    $"0x{ram.Base:x}-0x{ram.End:x} (-m {ram.Size >> 20}M)");
            }

            if (!Fits(start, length))
            {
                throw new BootException(
                    $"kernel '{config.KernelPath}': it needs 0x{start:x}-0x{start + length:x}, which does not fit{below}; use a larger -m");
            }
        }

        var next = AlignUp(kernel.End + offset, TwoMiB);
        (ulong Start, ulong End)? initrdRange = null;
        if (initrd != null)
        {
            if (!Fits(next, (ulong)initrd.Length))
            {
                throw new BootException($"initrd '{config.InitrdPath}' ({initrd.Length >> 10} KiB) does not fit in RAM after the kernel{below}; use a larger -m");
            }

            initrdRange = (next, next + (ulong)initrd.Length);
            next = AlignUp(next + (ulong)initrd.Length, TwoMiB);
        }

        VirtDeviceTree.SetBootInfo(tree, config.Append ?? (config.DtbPath == null ? "" : null), initrdRange);
        var blob = FdtWriter.Write(tree);
        if (blob.Length > MaxDeviceTreeSize || !Fits(next, (ulong)blob.Length))
        {
            throw new BootException($"the device tree ({blob.Length} bytes) does not fit in RAM after the kernel and initrd{below}; use a larger -m");
        }

        // Only now, with everything known to fit, is guest RAM written.
        foreach (var segment in kernel.Segments)
        {
            var start = segment.Address + offset;
            segment.Data.Span.CopyTo(ram.Slice(start, segment.Data.Length));
            // In pieces: with more than 2 GiB of RAM a kernel's BSS can exceed what one span holds.
            for (var cleared = 0UL; cleared < segment.ZeroFill;)
            {
                var piece = (int)Math.Min(segment.ZeroFill - cleared, 1UL << 30);
                ram.Slice(start + (ulong)segment.Data.Length + cleared, piece).Clear();
                cleared += (ulong)piece;
            }
        }

        if (initrd != null)
        {
            initrd.CopyTo(ram.Slice(initrdRange!.Value.Start, initrd.Length));
        }

        blob.CopyTo(ram.Slice(next, blob.Length));
        return new BootLayout(kernel.Entry + offset, next, blob);
    }

    private static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);
}
