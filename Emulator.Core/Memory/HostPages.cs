using System.Runtime.InteropServices;

namespace Emulator.Core.Memory;

/// <summary>
/// Anonymous host memory straight from the kernel (mmap), for buffers that want page-level control: guest RAM,
/// which should sit on transparent huge pages, and machine code written at run time. Linux only.
/// </summary>
internal static unsafe partial class HostPages
{
    /// <summary>The x86-64 and AArch64 Linux huge page: 2 MiB.</summary>
    public const nuint HugePageSize = 2 << 20;

    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    public const int ProtExec = 4;

    private const int MapPrivate = 2;
    private const int MapAnonymous = 0x20;
    private const int MadviseHugePage = 14;
    private static readonly nint MapFailed = -1;

    /// <summary>Zero-filled private pages, or 0 when the kernel refuses.</summary>
    public static nint Map(nuint length, int protection)
    {
        var address = mmap(0, length, protection, MapPrivate | MapAnonymous, -1, 0);
        return address == MapFailed ? 0 : address;
    }

    public static void Unmap(nint address, nuint length) => _ = munmap(address, length);

    public static bool Protect(nint address, nuint length, int protection) => mprotect(address, length, protection) == 0;

    /// <summary>
    /// Asks for transparent huge pages over [address, address + length). Where the machine's THP setting is
    /// "madvise" (Debian's default), memory not advised this way always gets 4 KiB pages. A refusal is harmless.
    /// </summary>
    public static void AdviseHugePages(nint address, nuint length) => _ = madvise(address, length, MadviseHugePage);

    [LibraryImport("libc")]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc")]
    private static partial int munmap(nint address, nuint length);

    [LibraryImport("libc")]
    private static partial int mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc")]
    private static partial int madvise(nint address, nuint length, int advice);
}
