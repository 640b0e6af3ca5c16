using System.Security.Cryptography;

namespace Emulator.System.Tests;

/// <summary>
/// Disk images as the host sees them, through Debian's e2fsprogs: made with mke2fs, checked with
/// `e2fsck -fn` (which never changes the image), and read with debugfs, without mounting anything.
/// </summary>
public static class HostDisk
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A fresh file system of <paramref name="type"/> (ext2, ext4) in a new image of <paramref name="sizeMiB"/> MiB, holding the files of <paramref name="content"/> if given.</summary>
    public static string Make(string path, string type, int sizeMiB, string? content = null)
    {
        using (var file = File.Create(path))
        {
            file.SetLength((long)sizeMiB << 20);
        }

        string[] arguments = ["-q", "-F", "-t", type, .. content == null ? Array.Empty<string>() : ["-d", content], path];
        var result = TestEnvironment.RunTool(TestEnvironment.RequireTool("mke2fs", "e2fsprogs"), arguments, ToolTimeout);
        Assert.True(result.ExitCode == 0, $"mke2fs -t {type} failed\n{result}");
        return path;
    }

    /// <summary>`e2fsck -fn`: a forced, read-only check; exit code 0 means the file system is clean.</summary>
    public static ToolResult Check(string image) =>
        TestEnvironment.RunTool(TestEnvironment.RequireTool("e2fsck", "e2fsprogs"), ["-fn", image], ToolTimeout);

    /// <summary>Asserts that `e2fsck -fn` finds nothing to fix.</summary>
    public static void AssertClean(string image)
    {
        var result = Check(image);
        Assert.True(result.ExitCode == 0, $"e2fsck -fn {image} found problems\n{result}");
    }

    /// <summary>Runs one debugfs request (read-only) and returns what it printed.</summary>
    public static string Debugfs(string image, string request)
    {
        var result = TestEnvironment.RunTool(TestEnvironment.RequireTool("debugfs", "e2fsprogs"), ["-R", request, image], ToolTimeout);
        Assert.True(result.ExitCode == 0, $"debugfs -R \"{request}\" failed\n{result}");
        return result.Stdout;
    }

    /// <summary>A file's bytes as stored in the image (debugfs dump), or null when the image has no such file.</summary>
    public static byte[]? ReadFile(string image, string path, string scratchFolder)
    {
        var copy = Path.Combine(scratchFolder, $"dump-{Guid.NewGuid():N}");
        Debugfs(image, $"dump {path} {copy}");
        if (!File.Exists(copy))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(copy);
        File.Delete(copy);
        return bytes;
    }

    public static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    public static string Md5(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));
}
