using Emulator.Core.Boot;

namespace Emulator.Core.Tests.Boot;

/// <summary>The real Debian arm64 kernel the set-up script downloads: an EFI-stub (PE) Image.</summary>
public class DebianKernelTests
{
    private static string ImagePath()
    {
        var cache = Environment.GetEnvironmentVariable("VIRT_EMULATOR_CACHE") is { Length: > 0 } explicitCache
            ? explicitCache
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "virt-emulator");
        var path = Path.Combine(cache, "guest", "Image");
        Assert.True(File.Exists(path), $"Debian's kernel Image is missing at {path}; run: bash scripts/setup.sh");
        return path;
    }

    [Fact]
    public void WholeImage_IsAcceptedWithTextOffsetZeroAndItsBssAsZeroFill()
    {
        var path = ImagePath();

        var kernel = BootFiles.ReadKernel(path);

        var segment = Assert.Single(kernel.Segments);
        Assert.Equal(0UL, segment.Address);
        Assert.Equal(new FileInfo(path).Length, segment.Data.Length);
        Assert.True(segment.ZeroFill > 0, "image_size of a real kernel includes its BSS");
    }

    [Fact]
    public void ImageCutShort_IsReportedTruncated()
    {
        var path = ImagePath();
        var cut = File.ReadAllBytes(path)[..(1 << 20)];

        BootErrors.Assert(() => KernelImage.Parse(path, cut), path, "truncated");
    }
}
