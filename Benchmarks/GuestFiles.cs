namespace Benchmarks;

/// <summary>
/// What the benchmarks that boot both kernels need: the set-up's Linux, initramfs and root disk in the cache
/// (<c>VIRT_EMULATOR_CACHE</c> or ~/.cache/virt-emulator) and our kernel's built image.
/// </summary>
public sealed record GuestFiles(string Cache, string Linux, string Initrd, string RootDisk, string OurKernel)
{
    /// <summary>The files, or null after one line on stderr naming the first one missing and how to make it.</summary>
    public static GuestFiles? Find()
    {
        var repo = HostTools.FindRepository();
        var cache = Environment.GetEnvironmentVariable("VIRT_EMULATOR_CACHE") is { Length: > 0 } c
            ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "virt-emulator");
        var files = new GuestFiles(cache, Path.Combine(cache, "guest", "Image"), Path.Combine(cache, "guest", "initramfs.cpio.gz"),
            Path.Combine(cache, "disk", "rootfs.ext2"), repo is null ? "Kernel/bin/Image" : Path.Combine(repo, "Kernel", "bin", "Image"));
        foreach (var (file, hint) in new[]
                 {
                     (files.Linux, "bash scripts/setup.sh"), (files.Initrd, "bash scripts/setup.sh"), (files.RootDisk, "bash scripts/setup.sh"),
                     (files.OurKernel, "nice dotnet build Kernel/Kernel.csproj"),
                 })
        {
            if (!File.Exists(file))
            {
                Console.Error.WriteLine($"benchmark: {file} is missing; run: {hint}");
                return null;
            }
        }

        return files;
    }
}
