using Emulator.Core.Boot;

namespace Emulator.Core.Tests.Boot;

public class BootFilesTests
{
    [Fact]
    public void MissingFile_IsReportedAsNoSuchFile()
    {
        using var files = new TempFiles();
        var path = Path.Combine(files.Directory, "vmlinuz");

        BootErrors.Assert(() => BootFiles.ReadKernel(path), path, "cannot read kernel");
        BootErrors.Assert(() => BootFiles.ReadKernel(path), path, "no such file");
    }

    [Fact]
    public void FileInAMissingDirectory_IsReportedAsNoSuchFile()
    {
        using var files = new TempFiles();
        var path = Path.Combine(files.Directory, "absent", "initrd.img");

        BootErrors.Assert(() => BootFiles.Read(path, "initrd"), path, "no such file");
    }

    [Fact]
    public void DirectoryGivenAsAFile_IsReportedAsADirectory()
    {
        using var files = new TempFiles();

        var e = BootErrors.Assert(() => BootFiles.ReadKernel(files.Directory), files.Directory, "is a directory");

        Assert.StartsWith("cannot read kernel", e.Message);
    }

    [Fact]
    public void Read_ReturnsTheFileContents()
    {
        using var files = new TempFiles();
        var path = files.Write("initrd", [1, 2, 3]);

        Assert.Equal(new byte[] { 1, 2, 3 }, BootFiles.Read(path, "initrd"));
    }

    [Fact]
    public void ReadKernel_ProblemsWithTheContents_NameTheFile()
    {
        using var files = new TempFiles();
        var path = files.Write("Image", KernelFiles.PeImage(0x2000, sectionEnd: 0x4000));

        BootErrors.Assert(() => BootFiles.ReadKernel(path), path, "truncated");
    }

    [Fact]
    public void ReadDeviceTree_ThatDoesNotParse_IsReportedNamingTheFile()
    {
        using var files = new TempFiles();
        var path = files.Write("board.dtb", KernelFiles.Pattern(100, 5));

        BootErrors.Assert(() => BootFiles.ReadDeviceTree(path), path, "does not parse");
    }

    [Fact]
    public void ReadDeviceTree_MissingFile_IsReported()
    {
        using var files = new TempFiles();
        var path = Path.Combine(files.Directory, "board.dtb");

        BootErrors.Assert(() => BootFiles.ReadDeviceTree(path), path, "cannot read device tree");
    }
}
