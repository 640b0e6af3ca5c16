using Emulator.Core.Board;
using Emulator.Core.Boot;

namespace Emulator;

/// <summary>
/// What boots when the user names no kernel: Debian's arm64 Linux with an initramfs around Debian's
/// busybox, downloaded and built once by scripts/setup.sh into the cache folder (outside the repository).
/// </summary>
public static class DefaultGuest
{
    public const string DefaultAppend = "console=ttyAMA0";

    public static string CacheFolder =>
        Environment.GetEnvironmentVariable("VIRT_EMULATOR_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
                "virt-emulator");

    public static string Kernel => Path.Combine(CacheFolder, "guest", "Image");

    public static string Initramfs => Path.Combine(CacheFolder, "guest", "initramfs.cpio.gz");

    public static MachineConfig Complete(Options options)
    {
        if (options.Kernel != null)
        {
            return new MachineConfig
            {
                Cpu = options.Cpu,
                RamSize = options.RamSize,
                KernelPath = options.Kernel,
                InitrdPath = options.Initrd,
                Append = options.Append,
                DtbPath = options.Dtb,
                VirtioDevices = options.VirtioDevices,
                VirtioLegacy = options.VirtioLegacy,
            };
        }

        if (!File.Exists(Kernel) || !File.Exists(Initramfs))
        {
            throw new BootException($"no -kernel given and the default guest is not set up ({Kernel}); run: bash scripts/setup.sh");
        }

        return new MachineConfig
        {
            Cpu = options.Cpu,
            RamSize = options.RamSize,
            KernelPath = Kernel,
            InitrdPath = options.Initrd ?? Initramfs,
            Append = options.Append ?? DefaultAppend,
            DtbPath = options.Dtb,
            VirtioDevices = options.VirtioDevices,
            VirtioLegacy = options.VirtioLegacy,
        };
    }
}
