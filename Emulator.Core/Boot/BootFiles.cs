using Emulator.Core.DeviceTree;

namespace Emulator.Core.Boot;

/// <summary>Reads the files a user names, turning every I/O problem into one clear line.</summary>
public static class BootFiles
{
    public static byte[] Read(string path, string what)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var reason = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                // .NET reports reading a directory (EISDIR) as an access error; say what it really is.
                UnauthorizedAccessException when Directory.Exists(path) => "is a directory",
                UnauthorizedAccessException => "permission denied",
                _ => e.Message,
            };
            throw new BootException($"cannot read {what} '{path}': {reason}");
        }
    }

    public static KernelImage ReadKernel(string path) => KernelImage.Parse(path, Read(path, "kernel"));

    public static FdtNode ReadDeviceTree(string path)
    {
        var blob = Read(path, "device tree");
        try
        {
            return FdtReader.Parse(blob);
        }
        catch (InvalidDataException e)
        {
            throw new BootException($"device tree '{path}' does not parse: {e.Message}");
        }
    }
}
