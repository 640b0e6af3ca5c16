namespace Emulator;

/// <summary>The kernel the default guest boots, and on which disk.</summary>
public enum DefaultGuestKind
{
    /// <summary>This project's managed kernel (Kernel/bin/Image).</summary>
    Managed,

    /// <summary>Debian's arm64 Linux with the set-up's initramfs (virtio and ext4 modules), root on the disk.</summary>
    Linux,

    /// <summary>The managed kernel with its root on the Debian image (bookworm's glibc userland, disk-images/build-debian.sh).</summary>
    Debian,
}
