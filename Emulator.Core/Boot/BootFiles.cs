using Emulator.Core.DeviceTree;

namespace Emulator.Core.Boot;

/// <summary>Reads the files a user names, turning every I/O problem into one clear line.</summary>
public static class BootFiles
{
    public static byte[] Read(string path, string what)
    {
        try
        {
            return ReadRegularFile(path, what);
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

    /// <summary>
    /// Reads a whole file whose size the file system knows. A device or a pipe (/dev/zero, a FIFO) has no
    /// size and may never end: it is refused rather than read until memory runs out. QEMU sizes its boot
    /// files the same way (it cannot load them from a pipe).
    /// </summary>
    private static byte[] ReadRegularFile(string path, string what)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var length = stream.CanSeek ? stream.Length : -1;
        if (length <= 0)
        {
            // An empty regular file reads as empty (the caller says what is missing); anything that has
            // data without a size is not a regular file.
            Span<byte> probe = stackalloc byte[1];
            return stream.Read(probe) == 0 ? [] : throw new BootException($"cannot read {what} '{path}': not a regular file");
        }

        if (length > Array.MaxLength)
        {
            throw new BootException($"cannot read {what} '{path}': too large ({length} bytes)");
        }

        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
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
