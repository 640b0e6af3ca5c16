using System.Diagnostics;
using System.Runtime.InteropServices;
using Kernel.Logic.Tty;

namespace Kernel.Tests.Tty;

/// <summary>
/// A pseudo-terminal of the host's Linux kernel: its slave runs the real N_TTY line discipline,
/// the reference for ours. Input typed into the master is what a serial port receives; what the
/// master reads back is the echo and the output. Both ends are non-blocking.
/// </summary>
public sealed unsafe class HostPty : IDisposable
{
    private const int O_RDWR = 2, O_NOCTTY = 0x100, O_NONBLOCK = 0x800;
    private const int EAGAIN = 11;

    [DllImport("libc", SetLastError = true)] private static extern int posix_openpt(int flags);
    [DllImport("libc", SetLastError = true)] private static extern int grantpt(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int unlockpt(int fd);
    [DllImport("libc", SetLastError = true)] private static extern IntPtr ptsname(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);
    [DllImport("libc", SetLastError = true)] private static extern nint read(int fd, byte* buffer, nint count);
    [DllImport("libc", SetLastError = true)] private static extern nint write(int fd, byte* buffer, nint count);
    [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int ioctl(int fd, ulong request, void* argument);

    private readonly int _master, _slave;

    public HostPty()
    {
        _master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
        Assert.True(_master >= 0, $"posix_openpt failed: errno {Marshal.GetLastPInvokeError()}");
        Assert.Equal(0, grantpt(_master));
        Assert.Equal(0, unlockpt(_master));
        string name = Marshal.PtrToStringAnsi(ptsname(_master))!;
        _slave = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
        Assert.True(_slave >= 0, $"open {name} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        close(_slave);
        close(_master);
    }

    /// <summary>TCGETS on the slave: the kernel's struct termios bytes.</summary>
    public byte[] GetTermiosBytes()
    {
        byte[] b = new byte[Termios.Size];
        fixed (byte* p = b)
            Assert.Equal(0, ioctl(_slave, TtyIoctl.TCGETS, p));
        return b;
    }

    public void SetTermios(in Termios termios)
    {
        byte[] b = new byte[Termios.Size];
        termios.Write(b);
        fixed (byte* p = b)
            Assert.Equal(0, ioctl(_slave, TtyIoctl.TCSETS, p));
        Drain(0, 100, 50);
    }

    /// <summary>FIONREAD on the slave.</summary>
    public int Readable()
    {
        Settle();
        int n;
        Assert.Equal(0, ioctl(_slave, TtyIoctl.FIONREAD, &n));
        return n;
    }

    /// <summary>
    /// Types <paramref name="input"/> into the terminal; returns the echo it produced, waiting for at least
    /// <paramref name="expected"/> bytes of it (see <see cref="Drain"/>).
    /// </summary>
    public byte[] Type(ReadOnlySpan<byte> input, int expected = 0)
    {
        fixed (byte* p = input)
        {
            nint n = write(_master, p, input.Length);
            Assert.Equal(input.Length, (int)n);
        }
        return Drain(expected);
    }

    /// <summary>A program's write to the terminal; returns what reaches the wire (at least <paramref name="expected"/> bytes awaited).</summary>
    public byte[] Output(ReadOnlySpan<byte> data, int expected = 0)
    {
        fixed (byte* p = data)
            Assert.Equal(data.Length, (int)write(_slave, p, data.Length));
        return Drain(expected);
    }

    /// <summary>A non-blocking read on the slave: bytes, 0, or -EAGAIN.</summary>
    public (int Result, byte[] Data) Read(int size)
    {
        Settle();
        byte[] b = new byte[size];
        nint n;
        fixed (byte* p = b)
            n = read(_slave, p, size);
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Assert.Equal(EAGAIN, errno);
            return (-EAGAIN, Array.Empty<byte>());
        }
        return ((int)n, b[..(int)n]);
    }

    private static void Settle() => Thread.Sleep(20);

    /// <summary>How long a step may take to produce the bytes expected of it on a loaded host.</summary>
    private const int ExpectedWaitMs = 5000;

    /// <summary>
    /// Reads the master (the kernel processes pty input in a worker, so bytes come late): waits up to
    /// <see cref="ExpectedWaitMs"/> for the first <paramref name="expected"/> bytes (and at least
    /// <paramref name="firstMs"/> for a first one), then until it has been quiet for <paramref name="quietMs"/>.
    /// Waiting for what is expected, not for a fixed time, keeps a loaded host from splitting one step's
    /// output across two steps; the quiet period still catches bytes beyond what was expected.
    /// </summary>
    private byte[] Drain(int expected, int firstMs = 500, int quietMs = 100)
    {
        var result = new List<byte>();
        byte[] b = new byte[4096];
        var quiet = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();
        while (result.Count < expected ? total.ElapsedMilliseconds < ExpectedWaitMs
               : quiet.ElapsedMilliseconds < (result.Count == 0 ? firstMs : quietMs))
        {
            nint n;
            fixed (byte* p = b)
                n = read(_master, p, b.Length);
            if (n > 0)
            {
                result.AddRange(b.AsSpan(0, (int)n).ToArray());
                quiet.Restart();
            }
            else
                Thread.Sleep(5);
        }
        return result.ToArray();
    }
}
