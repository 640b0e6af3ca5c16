using Emulator.Core.Boot;

namespace Emulator.Core.Tests.Boot;

public class KernelImageTests
{
    private const string Path = "/boot/vmlinuz-test";

    [Fact]
    public void Image_IsLoadedAtItsTextOffsetFromTheStartOfRam()
    {
        var file = KernelFiles.Image(textOffset: 0x20_0000, imageSize: 0x4000);

        var kernel = KernelImage.Parse(Path, file);

        Assert.True(kernel.RelativeToRam);
        var segment = Assert.Single(kernel.Segments);
        Assert.Equal(0x20_0000UL, segment.Address);
        Assert.Equal(file, segment.Data.ToArray());
        Assert.Equal(0x20_0000UL, kernel.Entry);
    }

    [Fact]
    public void Image_IsZeroFilledUpToItsImageSize()
    {
        var kernel = KernelImage.Parse(Path, KernelFiles.Image(textOffset: 0, imageSize: 0x9000, length: 0x2000));

        Assert.Equal(0x7000UL, Assert.Single(kernel.Segments).ZeroFill);
        Assert.Equal(0x9000UL, kernel.End);
    }

    [Fact]
    public void Image_WithImageSizeZero_IsLoadedAtTextOffset0x80000()
    {
        // booting.rst: before Linux 3.17 image_size is 0 and text_offset must be taken as 0x80000.
        var kernel = KernelImage.Parse(Path, KernelFiles.Image(textOffset: 0x1234, imageSize: 0));

        Assert.Equal(0x8_0000UL, Assert.Single(kernel.Segments).Address);
        Assert.Equal(0x8_0000UL, kernel.Entry);
    }

    [Fact]
    public void GzipImage_IsLoadedLikeTheImageItCompresses()
    {
        var file = KernelFiles.Image(textOffset: 0x8_0000, imageSize: 0x1_0000);

        var kernel = KernelImage.Parse(Path, KernelFiles.Gzip(file));

        var segment = Assert.Single(kernel.Segments);
        Assert.Equal(file, segment.Data.ToArray());
        Assert.Equal(0x8_0000UL, segment.Address);
        Assert.Equal(0x1_0000UL - (ulong)file.Length, segment.ZeroFill);
    }

    [Fact]
    public void CorruptGzip_IsReported()
    {
        var gzip = KernelFiles.Gzip(KernelFiles.Image(0, 0x1_0000));
        for (var i = 10; i < gzip.Length - 8; i++)
        {
            gzip[i] ^= 0x5A;
        }

        BootErrors.Assert(() => KernelImage.Parse(Path, gzip), Path, "corrupt gzip data");
    }

    [Fact]
    public void TruncatedGzip_IsReported()
    {
        // Without the EFI stub's section table, only the gzip stream itself can tell that the Image is cut short.
        var gzip = KernelFiles.Gzip(KernelFiles.Image(textOffset: 0, imageSize: 0x20_0000, length: 0x10_0000));

        BootErrors.Assert(() => KernelImage.Parse(Path, gzip[..(gzip.Length / 2)]), Path, "gzip");
    }

    [Fact]
    public void PeImage_WhoseSectionsEndInsideTheFile_IsAccepted()
    {
        var kernel = KernelImage.Parse(Path, KernelFiles.PeImage(length: 0x3000, sectionEnd: 0x3000));

        Assert.Equal(0x3000, Assert.Single(kernel.Segments).Data.Length);
    }

    [Fact]
    public void PeImage_WhoseSectionTableReachesPastTheEnd_IsReportedTruncated()
    {
        var file = KernelFiles.PeImage(length: 0x3000, sectionEnd: 0x8000);

        var e = BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "truncated");

        Assert.Contains("32768", e.Message);
        Assert.Contains("12288", e.Message);
    }

    [Fact]
    public void PeImage_WhosePeHeaderLiesOutsideTheFile_IsReported()
    {
        var file = KernelFiles.PeImage(length: 0x3000, sectionEnd: 0x3000);
        BitConverter.GetBytes(0x10_0000u).CopyTo(file, 0x3c);

        BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "PE header");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(63)]
    public void FileShorterThanTheImageHeader_IsReportedTruncated(int length)
    {
        var file = KernelFiles.PeImage(length: 0x1000, sectionEnd: 0x1000)[..length];

        BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "truncated");
    }

    [Fact]
    public void ImageLargerThanItsDeclaredImageSize_IsReportedMalformed()
    {
        var file = KernelFiles.Image(textOffset: 0, imageSize: 0x1000, length: 0x2000);

        BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "malformed");
    }

    [Fact]
    public void FileThatIsNeitherImageNorElf_IsReported()
    {
        BootErrors.Assert(() => KernelImage.Parse(Path, KernelFiles.Pattern(4096, 1)), Path, "not an arm64 Linux Image");
    }

    [Fact]
    public void Elf_IsLoadedAtThePhysicalAddressesOfItsLoadSegments()
    {
        var code = KernelFiles.Pattern(0x100, 9);
        var data = KernelFiles.Pattern(0x40, 77);
        var file = KernelFiles.Elf(entry: 0xFFFF_0000_0008_0010,
        [
            new ElfSegment(ElfSegment.Load, 0xFFFF_0000_0008_0000, 0x4008_0000, code, 0x100),
            new ElfSegment(ElfSegment.Note, 0, 0, [1, 2, 3, 4], 4),
            new ElfSegment(ElfSegment.Load, 0xFFFF_0000_0009_0000, 0x4009_0000, data, 0x1000),
        ]);

        var kernel = KernelImage.Parse(Path, file);

        Assert.False(kernel.RelativeToRam);
        Assert.Collection(kernel.Segments,
            s =>
            {
                Assert.Equal(0x4008_0000UL, s.Address);
                Assert.Equal(code, s.Data.ToArray());
                Assert.Equal(0UL, s.ZeroFill);
            },
            s =>
            {
                Assert.Equal(0x4009_0000UL, s.Address);
                Assert.Equal(data, s.Data.ToArray());
                Assert.Equal(0x1000UL - 0x40, s.ZeroFill);
            });
        Assert.Equal(0x4008_0010UL, kernel.Entry); // the virtual entry point, translated to physical
        Assert.Equal(0x4009_1000UL, kernel.End);
    }

    [Fact]
    public void Elf_ForAnotherMachine_IsReported()
    {
        var file = KernelFiles.Elf(0x4008_0000, [new ElfSegment(ElfSegment.Load, 0x4008_0000, 0x4008_0000, [0, 0, 0, 0], 4)],
            machine: KernelFiles.MachineX86_64);

        BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "not an AArch64 executable");
    }

    [Fact]
    public void Elf_Of32Bits_IsReported()
    {
        var file = KernelFiles.Elf(0x4008_0000, [new ElfSegment(ElfSegment.Load, 0x4008_0000, 0x4008_0000, [0, 0, 0, 0], 4)],
            elfClass: 1);

        BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "not a little-endian 64-bit ELF");
    }

    [Fact]
    public void Elf_WithASegmentReachingPastTheEndOfTheFile_IsReported()
    {
        var file = KernelFiles.Elf(0x4008_0000,
            [new ElfSegment(ElfSegment.Load, 0x4008_0000, 0x4008_0000, [0, 0, 0, 0], 0x1000) { FileSize = 0x800 }]);

        BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "segment 0 lies outside the file");
    }

    [Fact]
    public void Elf_WithASegmentStartingPastTheEndOfTheFile_IsReported()
    {
        var file = KernelFiles.Elf(0x4008_0000,
            [new ElfSegment(ElfSegment.Load, 0x4008_0000, 0x4008_0000, [0, 0, 0, 0], 4) { FileOffset = 0x10_0000 }]);

        BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "segment 0 lies outside the file");
    }

    [Fact]
    public void Elf_WithoutLoadSegments_IsReported()
    {
        var file = KernelFiles.Elf(0x4008_0000, [new ElfSegment(ElfSegment.Note, 0, 0, [1, 2, 3, 4], 4)]);

        BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "no loadable segments");
    }

    [Fact]
    public void Elf_WithProgramHeadersPastTheEndOfTheFile_IsReported()
    {
        var file = KernelFiles.Elf(0x4008_0000, [new ElfSegment(ElfSegment.Load, 0x4008_0000, 0x4008_0000, [0, 0, 0, 0], 4)]);
        BitConverter.GetBytes((ushort)200).CopyTo(file, 56); // e_phnum

        BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "program headers outside the file");
    }

    [Fact]
    public void Elf_WithASegmentLargerInTheFileThanInMemory_IsReported()
    {
        var file = KernelFiles.Elf(0x4008_0000, [new ElfSegment(ElfSegment.Load, 0x4008_0000, 0x4008_0000, new byte[16], 8)]);

        BootErrors.Assert(() => KernelImage.Parse(Path, file), Path, "larger in the file than in memory");
    }

    [Fact]
    public void ElfHeaderCutShort_IsReported()
    {
        var file = KernelFiles.Elf(0x4008_0000, [new ElfSegment(ElfSegment.Load, 0x4008_0000, 0x4008_0000, [0, 0, 0, 0], 4)]);

        BootErrors.Assert(() => KernelImage.Parse(Path, file[..40]), Path, "truncated header");
    }
}
