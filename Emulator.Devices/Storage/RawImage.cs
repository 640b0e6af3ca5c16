using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Emulator.Devices.Storage;

/// <summary>
/// A raw disk image file: byte offsets of the guest disk are byte offsets of the file. It is locked the
/// way QEMU's file-posix driver locks images (open file description byte-range locks at bytes 100 + n for
/// the permissions held and 200 + n for the ones not shared with others; n = 0 consistent read, 1 write),
/// so our emulator and QEMU refuse an image another of them writes, and writers refuse images others use.
/// Reads and writes go straight to the file (no buffering in this process), so everything written is in
/// the host's page cache at once; <see cref="Flush"/> makes it durable (fsync).
/// </summary>
public sealed partial class RawImage : IDisposable
{
    public const int SectorSize = 512;

    // QEMU's lock byte layout (block/file-posix.c: RAW_LOCK_PERM_BASE, RAW_LOCK_SHARED_BASE) and permission bits.
    private const long LockPermBase = 100;
    private const long LockSharedBase = 200;
    private const int PermConsistentRead = 0;
    private const int PermWrite = 1;

    private const int F_OFD_GETLK = 36;
    private const int F_OFD_SETLK = 37;
    private const short F_RDLCK = 0;
    private const short F_WRLCK = 1;
    private const short F_UNLCK = 2;

    private const int EINTR = 4;

    /// <summary>The most vectors one preadv/pwritev takes (Linux's IOV_MAX, UIO_MAXIOV).</summary>
    public const int IovMax = 1024;

    private readonly SafeFileHandle _handle;

    private RawImage(string path, SafeFileHandle handle, bool readOnly, long length)
    {
        Path = path;
        _handle = handle;
        ReadOnly = readOnly;
        Length = length;
    }

    public string Path { get; }

    public bool ReadOnly { get; }

    /// <summary>The file's length in bytes when it was opened.</summary>
    public long Length { get; }

    /// <summary>The disk's size in 512-byte sectors (a partial last sector counts, and reads as zeros past the end, as in QEMU).</summary>
    public ulong Sectors => (ulong)((Length + SectorSize - 1) / SectorSize);

    /// <summary>Opens and locks <paramref name="path"/>; throws <see cref="ImageException"/> with one line saying why it cannot.</summary>
    public static RawImage Open(string path, bool readOnly)
    {
        SafeFileHandle handle;
        try
        {
            if (Directory.Exists(path))
            {
                throw new ImageException($"could not open disk image '{path}': is a directory");
            }

            // FileShare.ReadWrite: the image's locking is QEMU's byte-range scheme below, not .NET's flock.
            handle = File.OpenHandle(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
            throw new ImageException($"could not open disk image '{path}': {reason}");
        }

        try
        {
            var fd = (int)handle.DangerousGetHandle();
            Lock(fd, path, readOnly);
            var length = RandomAccess.GetLength(handle);
            return new RawImage(path, handle, readOnly, length);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>QEMU's raw_apply_lock_bytes then raw_check_lock_bytes for a drive with share-rw=off.</summary>
    private static void Lock(int fd, string path, bool readOnly)
    {
        int[] held = readOnly ? [PermConsistentRead] : [PermConsistentRead, PermWrite];
        int[] unshared = [PermWrite];
        foreach (var perm in held)
        {
            SetReadLock(fd, path, LockPermBase + perm);
        }

        foreach (var perm in unshared)
        {
            SetReadLock(fd, path, LockSharedBase + perm);
        }

        foreach (var perm in held)
        {
            if (HeldByOthers(fd, LockSharedBase + perm))
            {
                throw new ImageException($"disk image '{path}' is in use by another process: failed to get \"{PermName(perm)}\" lock");
            }
        }

        foreach (var perm in unshared)
        {
            if (HeldByOthers(fd, LockPermBase + perm))
            {
                throw new ImageException($"disk image '{path}' is in use by another process: failed to get shared \"{PermName(perm)}\" lock");
            }
        }
    }

    private static string PermName(int perm) => perm == PermWrite ? "write" : "consistent read";

    private static void SetReadLock(int fd, string path, long offset)
    {
        var request = new Flock { Type = F_RDLCK, Whence = 0, Start = offset, Length = 1 };
        if (Fcntl(fd, F_OFD_SETLK, ref request) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new ImageException(errno is 11 or 13
                ? $"disk image '{path}' is in use by another process: failed to lock byte {offset}"
                : $"could not lock disk image '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    private static bool HeldByOthers(int fd, long offset)
    {
        var probe = new Flock { Type = F_WRLCK, Whence = 0, Start = offset, Length = 1 };
        return Fcntl(fd, F_OFD_GETLK, ref probe) == 0 && probe.Type != F_UNLCK;
    }

    /// <summary>Reads at <paramref name="offset"/>; bytes past the end of the file read as zeros.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var count = RandomAccess.Read(_handle, destination[done..], offset + done);
            if (count == 0)
            {
                destination[done..].Clear();
                return;
            }

            done += count;
        }
    }

    public void Write(long offset, ReadOnlySpan<byte> source) => RandomAccess.Write(_handle, source, offset);

    /// <summary>
    /// Reads from <paramref name="offset"/> straight into the host memory <paramref name="vectors"/> name, in
    /// order (preadv); bytes past the end of the file read as zeros. The vectors are used up as scratch.
    /// </summary>
    public unsafe void ReadInto(long offset, Span<IoVector> vectors)
    {
        var fd = (int)_handle.DangerousGetHandle();
        while (vectors.Length > 0)
        {
            long count;
            fixed (IoVector* first = vectors)
            {
                count = Preadv(fd, first, Math.Min(vectors.Length, IovMax), offset);
            }

            if (count < 0)
            {
                ThrowUnlessInterrupted("read");
                continue;
            }

            if (count == 0)
            {
                foreach (var vector in vectors)
                {
                    new Span<byte>((void*)vector.Base, (int)vector.Length).Clear();
                }

                return;
            }

            offset += count;
            vectors = Consume(vectors, count);
        }
    }

    /// <summary>Writes the host memory <paramref name="vectors"/> name, in order, at <paramref name="offset"/> (pwritev). The vectors are used up as scratch.</summary>
    public unsafe void WriteFrom(long offset, Span<IoVector> vectors)
    {
        var fd = (int)_handle.DangerousGetHandle();
        while (vectors.Length > 0)
        {
            long count;
            fixed (IoVector* first = vectors)
            {
                count = Pwritev(fd, first, Math.Min(vectors.Length, IovMax), offset);
            }

            if (count < 0)
            {
                ThrowUnlessInterrupted("write");
                continue;
            }

            if (count == 0)
            {
                throw new IOException($"write to '{Path}' made no progress");
            }

            offset += count;
            vectors = Consume(vectors, count);
        }
    }

    /// <summary>Drops the first <paramref name="count"/> bytes from the vectors (a short read or write).</summary>
    private static Span<IoVector> Consume(Span<IoVector> vectors, long count)
    {
        while (vectors.Length > 0 && count >= vectors[0].Length)
        {
            count -= vectors[0].Length;
            vectors = vectors[1..];
        }

        if (count > 0)
        {
            vectors[0] = new IoVector(vectors[0].Base + (nint)count, vectors[0].Length - (nint)count);
        }

        return vectors;
    }

    private void ThrowUnlessInterrupted(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        if (errno != EINTR)
        {
            throw new IOException($"{what} of '{Path}' failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>Makes everything written so far durable (fsync): a completed flush survives a host crash.</summary>
    public void Flush()
    {
        if (Fsync((int)_handle.DangerousGetHandle()) != 0)
        {
            throw new IOException($"fsync of '{Path}' failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>Closing the file releases its locks (they belong to the open file description).</summary>
    public void Dispose() => _handle.Dispose();

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, ref Flock argument);

    [LibraryImport("libc", EntryPoint = "preadv", SetLastError = true)]
    private static unsafe partial long Preadv(int fd, IoVector* vectors, int count, long offset);

    [LibraryImport("libc", EntryPoint = "pwritev", SetLastError = true)]
    private static unsafe partial long Pwritev(int fd, IoVector* vectors, int count, long offset);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    /// <summary>struct flock (Linux, 64-bit): l_type, l_whence, l_start, l_len, l_pid; l_pid must be 0 for OFD locks.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }
}
