using System.Runtime.InteropServices;
using Emulator.Core.Memory;

namespace Emulator.Core.Cpu;

/// <summary>
/// A native front for a hook callback that fires very often but has something to do only rarely: a few bytes of
/// x86-64 machine code that read a flag word and return at once while it is zero, and jump to the real callback
/// only when it is not. Unicorn calls a block hook for every block in its range; going through .NET's reverse
/// P/Invoke for each one would cost more than the check itself.
///
/// The hook's user data is a cell of three words: [0] the flag, [1] left to the callback, [2] the callback's
/// address. The front keeps all four arguments (uc, address, size, cell) in their registers and jumps, so the
/// callback receives exactly what Unicorn passed. On other host architectures there is no front: the callback is
/// registered directly and must check the flag itself (it does so anyway).
/// </summary>
public static unsafe class FlagGatedCallback
{
    // System V x86-64: uc in rdi, address in rsi, size in edx, the cell in rcx.
    private static readonly byte[] X64Front =
    [
        0x48, 0x8B, 0x01,       // mov rax, [rcx]           the flag
        0x48, 0x85, 0xC0,       // test rax, rax
        0x75, 0x01,             // jnz call
        0xC3,                   // ret
        0xFF, 0x61, 0x10,       // call: jmp [rcx + 16]     the callback, as a tail call
    ];

    private static readonly Lazy<nint> Front = new(CreateFront);

    /// <summary>Allocates a zeroed cell for <paramref name="callback"/> with <paramref name="user"/> in word 1.</summary>
    public static nint* AllocateCell(delegate* unmanaged<nint, ulong, uint, nint, void> callback, nint user)
    {
        var cell = (nint*)NativeMemory.AllocZeroed(3, (nuint)sizeof(nint));
        cell[1] = user;
        cell[2] = (nint)callback;
        return cell;
    }

    /// <summary>What to register as the hook's callback for a cell made by <see cref="AllocateCell"/>.</summary>
    public static delegate* unmanaged<nint, ulong, uint, nint, void> CallbackFor(nint* cell) =>
        Front.Value != 0 ? (delegate* unmanaged<nint, ulong, uint, nint, void>)Front.Value
            : (delegate* unmanaged<nint, ulong, uint, nint, void>)cell[2];

    /// <summary>The front, made once per process and never freed (it holds no state); 0 where there is none.</summary>
    private static nint CreateFront()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || !OperatingSystem.IsLinux())
        {
            return 0;
        }

        var page = HostPages.Map(PageSize, HostPages.ProtRead | HostPages.ProtWrite);
        if (page == 0)
        {
            return 0;
        }

        X64Front.CopyTo(new Span<byte>((void*)page, X64Front.Length));
        if (!HostPages.Protect(page, PageSize, HostPages.ProtRead | HostPages.ProtExec))
        {
            HostPages.Unmap(page, PageSize);
            return 0;
        }

        return page;
    }

    private const nuint PageSize = 4096;
}
