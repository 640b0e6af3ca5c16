using System.Diagnostics;
using System.Text;
using Kernel.Logic.Fs;
using Kernel.Logic.Fs.Ext2;

namespace Kernel.Tests.Fs.Ext2;

/// <summary>
/// Builds ext2/ext4 images with the host's mke2fs (e2fsprogs), mounts them with our driver over a
/// <see cref="MemoryDisk"/>, and checks them afterwards with e2fsck and debugfs.
/// </summary>
internal sealed class Ext2Image : IDisposable
{
    public readonly string Dir;
    public readonly string ImagePath;
    public MemoryDisk Disk = null!;
    public FileSystem? Fs;

    public Ext2Image()
    {
        Dir = Path.Combine(Path.GetTempPath(), "ext2test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        ImagePath = Path.Combine(Dir, "disk.img");
    }

    public string Source => Path.Combine(Dir, "src");

    public static (int code, string output) Run(string tool, string args)
    {
        var psi = new ProcessStartInfo(tool, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["E2FSPROGS_FAKE_TIME"] = "1700000000";
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }

    /// <summary>mke2fs with <paramref name="options"/> over a <paramref name="sizeKiB"/> image, populated from <see cref="Source"/> when it exists.</summary>
    public void Make(string options, int sizeKiB)
    {
        File.Delete(ImagePath);
        string d = Directory.Exists(Source) ? $" -d {Source}" : "";
        var (code, output) = Run("/usr/sbin/mke2fs", $"-q -F -E root_owner=0:0 {options}{d} {ImagePath} {sizeKiB}k");
        Assert.True(code == 0, output);
        Disk = new MemoryDisk(File.ReadAllBytes(ImagePath));
    }

    public int Mount(bool readOnly, out string? error, int cacheBlocks = 256)
    {
        int rc = Ext2FileSystem.Mount(Disk, readOnly, DeviceNumber.Make(254, 0), out Fs, out error, cacheBlocks);
        if (Fs != null)
            Fs.CurrentTime = new Timespec(1_700_000_100, 0);
        return rc;
    }

    public FileSystem MountOk(bool readOnly = false, int cacheBlocks = 256)
    {
        int rc = Mount(readOnly, out string? error, cacheBlocks);
        Assert.True(rc == 0, $"mount: {rc} {error}");
        return Fs!;
    }

    public Ext2FileSystem Ext => (Ext2FileSystem)Fs!.Operations!;

    public void Unmount()
    {
        Assert.Equal(0, Ext.Unmount());
        Fs = null;
        File.WriteAllBytes(ImagePath, Disk.Bytes);
    }

    /// <summary>e2fsck -fn: asserts the image is clean (exit 0).</summary>
    public void AssertClean()
    {
        File.WriteAllBytes(ImagePath, Disk.Bytes);
        var (code, output) = Run("/usr/sbin/e2fsck", $"-fn {ImagePath}");
        Assert.True(code == 0, "e2fsck:\n" + output);
    }

    public byte[] DebugfsCat(string path)
    {
        string outFile = Path.Combine(Dir, "dump.bin");
        File.Delete(outFile);
        var (code, output) = Run("/usr/sbin/debugfs", $"-R \"dump {path} {outFile}\" {ImagePath}");
        Assert.True(code == 0 && File.Exists(outFile), output);
        return File.ReadAllBytes(outFile);
    }

    public string Debugfs(string command)
    {
        var (_, output) = Run("/usr/sbin/debugfs", $"-R \"{command}\" {ImagePath}");
        return output;
    }

    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    public Inode Root => Fs!.Root;

    public int Resolve(string path, out Inode? node, int flags = 0) => Vfs.Resolve(Root, Root, B(path), flags, out node);

    public Inode Get(string path, int flags = 0)
    {
        int rc = Resolve(path, out Inode? node, flags);
        Assert.True(rc == 0, $"resolve {path}: {rc}");
        return node!;
    }

    public byte[] ReadAll(Inode node)
    {
        var buf = new byte[(int)node.Size];
        long n = node.Read(0, buf);
        Assert.Equal((long)node.Size, n);
        return buf;
    }

    public Inode Write(string path, byte[] data, ulong offset = 0)
    {
        Assert.Equal(0, Vfs.Create(Root, Root, B(path), 0x1A4, 0, 1000, 1000, out Inode? node, out _));
        Assert.Equal(data.Length, node!.Write(offset, data));
        return node;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
