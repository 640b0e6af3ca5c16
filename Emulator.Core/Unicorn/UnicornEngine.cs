using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Emulator.Core.Unicorn;

/// <summary>
/// One AArch64 Unicorn engine. A thin, checked layer over the C API: every call's result is checked and a
/// failure throws <see cref="UnicornException"/> naming the call. Register accessors are cheap enough for
/// hooks (no allocation).
/// </summary>
public sealed unsafe class UnicornEngine : IDisposable
{
    private nint _handle;

    // Every native call goes through this class, so this is the one place to install the library resolver.
    static UnicornEngine() => UnicornNative.RegisterResolver();

    public UnicornEngine(CpuModel model)
    {
        Check(UnicornNative.uc_open(UnicornNative.ArchArm64, UnicornNative.ModeArm, out _handle), "uc_open");
        Check(UnicornNative.uc_ctl(_handle, UnicornNative.CtlWriteCpuModel, (int)model), "set CPU model");

        // Unicorn's AArch64 target page is 1 KiB unless told otherwise (AArch32's smallest page, from ARMv5); QEMU's
        // virt board sets 4 KiB, AArch64's smallest granule. The target page is the unit of everything in the software
        // TLB (one entry per page, four times as many refills at 1 KiB) and the limit of direct block chaining (a
        // branch to another page goes through a block lookup): at 1 KiB the benchmark's shell loop took 35% longer.
        // Reading it back starts the engine (nothing else is set before that); some Unicorn versions took 4096 for 8 KiB.
        Check(UnicornNative.uc_ctl(_handle, UnicornNative.CtlWritePageSize, TargetPageSize), "set the page size");
        Check(UnicornNative.uc_ctl(_handle, UnicornNative.CtlReadPageSize, out var pageSize), "read the page size");
        if (pageSize != TargetPageSize)
        {
            throw new InvalidOperationException(
                $"Unicorn {LibraryVersion} works in {pageSize}-byte pages when asked for {TargetPageSize}; this build is not supported");
        }
    }

    /// <summary>The guest page size the engine works in: its TLB's and its mappings' unit.</summary>
    public const int TargetPageSize = 4096;

    public nint Handle => _handle;

    /// <summary>The loaded library's version as "major.minor".</summary>
    public static string LibraryVersion
    {
        get
        {
            UnicornNative.uc_version(out var major, out var minor);
            return $"{major}.{minor}";
        }
    }

    /// <summary>
    /// The address of an exported function of the loaded library, to read its code (see
    /// <see cref="Cpu.ExitRequestChecks"/>); false if the library has none of that name.
    /// </summary>
    public static bool TryGetExport(string name, out nint address)
    {
        UnicornNative.uc_version(out _, out _);
        address = 0;
        return UnicornNative.LoadedLibrary != 0 && NativeLibrary.TryGetExport(UnicornNative.LoadedLibrary, name, out address);
    }

    public static string Describe(int code) => Marshal.PtrToStringUTF8(UnicornNative.uc_strerror(code)) ?? "unknown";

    public void MapRam(ulong address, ulong size, void* hostMemory) =>
        Check(UnicornNative.uc_mem_map_ptr(_handle, address, (nuint)size, UnicornNative.ProtAll, hostMemory),
            $"map RAM at 0x{address:x} size 0x{size:x}");

    public void MapMmio(ulong address, ulong size,
        delegate* unmanaged<nint, ulong, uint, nint, ulong> read,
        delegate* unmanaged<nint, ulong, uint, ulong, nint, void> write, nint userData) =>
        Check(UnicornNative.uc_mmio_map(_handle, address, (nuint)size, read, userData, write, userData),
            $"map MMIO at 0x{address:x} size 0x{size:x}");

    public ulong Read(Arm64Reg reg)
    {
        ulong value = 0;
        Check(UnicornNative.uc_reg_read(_handle, (int)reg, &value), "read register");
        return value;
    }

    public void Write(Arm64Reg reg, ulong value) =>
        Check(UnicornNative.uc_reg_write(_handle, (int)reg, &value), "write register");

    /// <summary>Reads X0..X30 by number.</summary>
    public ulong ReadX(int n) => Read(XReg(n));

    public void WriteX(int n, ulong value) => Write(XReg(n), value);

    private static Arm64Reg XReg(int n) => n switch
    {
        >= 0 and <= 28 => Arm64Reg.X0 + n,
        29 => Arm64Reg.X29,
        30 => Arm64Reg.X30,
        _ => throw new ArgumentOutOfRangeException(nameof(n)),
    };

    public ulong Read(CpReg reg)
    {
        Check(UnicornNative.uc_reg_read(_handle, (int)Arm64Reg.CpReg, &reg), "read system register");
        return reg.Value;
    }

    public void Write(CpReg reg, ulong value)
    {
        reg.Value = value;
        Check(UnicornNative.uc_reg_write(_handle, (int)Arm64Reg.CpReg, &reg), "write system register");
    }

    /// <summary>Reads V<paramref name="n"/> (Q<paramref name="n"/>, 128 bits).</summary>
    public UInt128 ReadVector(int n)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)n, 31u, nameof(n));
        UInt128 value = 0;
        Check(UnicornNative.uc_reg_read(_handle, (int)Arm64Reg.Q0 + n, &value), "read vector register");
        return value;
    }

    public void WriteVector(int n, UInt128 value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)n, 31u, nameof(n));
        Check(UnicornNative.uc_reg_write(_handle, (int)Arm64Reg.Q0 + n, &value), "write vector register");
    }

    /// <summary>Reads physical memory (RAM, or a device: its callbacks run); false where nothing is mapped.</summary>
    public bool TryReadMemory(ulong address, Span<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return UnicornNative.uc_mem_read(_handle, address, p, (nuint)bytes.Length) == 0;
        }
    }

    /// <summary>
    /// Translates a virtual address through the guest's current translation regime (its EL, TTBR0/TTBR1,
    /// TCR; identity with the MMU off), as a read would. False when the address is not mapped readable.
    /// </summary>
    public bool TryTranslate(ulong virtualAddress, out ulong physicalAddress) =>
        UnicornNative.uc_vmem_translate(_handle, virtualAddress, UnicornNative.ProtRead, out physicalAddress) == 0;

    public void WriteMemory(ulong address, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            Check(UnicornNative.uc_mem_write(_handle, address, p, (nuint)bytes.Length), $"write memory at 0x{address:x}");
        }
    }

    /// <summary>Writes A64 instructions, each a little-endian word, from <paramref name="address"/> on.</summary>
    public void WriteCode(ulong address, params ReadOnlySpan<uint> instructions)
    {
        var bytes = new byte[instructions.Length * 4];
        for (var i = 0; i < instructions.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), instructions[i]);
        }

        WriteMemory(address, bytes);
    }

    public void AddInterruptHook(delegate* unmanaged<nint, uint, nint, void> callback, nint userData) =>
        Check(UnicornNative.uc_hook_add(_handle, out _, UnicornNative.HookIntr, callback, userData, 1, 0),
            "add interrupt hook");

    /// <summary>
    /// Hooks MRS (<paramref name="msr"/> false) or MSR instructions everywhere. Unicorn checks for exit
    /// requests right after the callback, so nothing may stop or kick the engine asynchronously.
    /// </summary>
    public void AddSystemRegisterHook(bool msr,
        delegate* unmanaged<nint, int, CpReg*, nint, uint> callback, nint userData) =>
        Check(UnicornNative.uc_hook_add(_handle, out _, UnicornNative.HookInsn, callback, userData, 1, 0,
            msr ? UnicornNative.InsnMsr : UnicornNative.InsnMrs), "add system register hook");

    /// <summary>
    /// Hooks every instruction (UC_HOOK_CODE over all addresses); returns the hook's handle for
    /// <see cref="DeleteHook"/>. Unicorn places the call in code when it translates it, so code already
    /// translated runs without it until <see cref="FlushTranslations"/>. Expensive: only for short spans.
    /// </summary>
    public nint AddCodeHook(delegate* unmanaged<nint, ulong, uint, nint, void> callback, nint userData)
    {
        Check(UnicornNative.uc_hook_add(_handle, out var hook, UnicornNative.HookCode, callback, userData, 1, 0),
            "add code hook");
        return hook;
    }

    /// <summary>
    /// Hooks the instructions at addresses <paramref name="begin"/> to <paramref name="end"/> (inclusive): Unicorn
    /// places the call only in code of that range, when it translates it (see <see cref="FlushTranslations"/>),
    /// and synchronises PC to the instruction before calling, so a <see cref="Stop"/> in the callback stops
    /// before the instruction runs.
    /// </summary>
    public nint AddCodeHook(delegate* unmanaged<nint, ulong, uint, nint, void> callback, nint userData, ulong begin, ulong end)
    {
        Check(UnicornNative.uc_hook_add(_handle, out var hook, UnicornNative.HookCode, callback, userData, begin, end),
            "add code hook");
        return hook;
    }

    /// <summary>
    /// Hooks the start of every translated block that begins at an address from <paramref name="begin"/> to
    /// <paramref name="end"/> (inclusive). Unicorn calls it before the block's first instruction with PC synchronised
    /// to it; a callback that writes PC makes Unicorn leave the block there, before anything in it has run. Like
    /// code hooks it is placed in code at translation (see <see cref="FlushTranslations"/>).
    /// </summary>
    public nint AddBlockHook(delegate* unmanaged<nint, ulong, uint, nint, void> callback, nint userData, ulong begin, ulong end)
    {
        Check(UnicornNative.uc_hook_add(_handle, out var hook, UnicornNative.HookBlock, callback, userData, begin, end),
            "add block hook");
        return hook;
    }

    /// <summary>Hooks data reads (<paramref name="write"/> false) or writes of virtual addresses <paramref name="begin"/> to <paramref name="end"/>; the callback runs before the access.</summary>
    public nint AddMemoryHook(bool write, delegate* unmanaged<nint, int, ulong, int, long, nint, void> callback, nint userData,
        ulong begin, ulong end)
    {
        Check(UnicornNative.uc_hook_add(_handle, out var hook, write ? UnicornNative.HookMemWrite : UnicornNative.HookMemRead,
            callback, userData, begin, end), "add memory hook");
        return hook;
    }

    /// <summary>Removes a hook (allowed inside a callback: Unicorn only marks it, and frees it when the run ends).</summary>
    public void DeleteHook(nint hook) => Check(UnicornNative.uc_hook_del(_handle, hook), "delete hook");

    /// <summary>
    /// Drops all translated code, so it is translated again with the hooks present now. Inside a callback
    /// the caller must also make Unicorn leave the current block (write PC), so that nothing jumps into or
    /// patches code translated before the flush.
    /// </summary>
    public void FlushTranslations() =>
        Check(UnicornNative.uc_ctl(_handle, UnicornNative.CtlWriteTbFlush, 0), "flush translated code");

    /// <summary>
    /// Drops the guest TLB: memory hooks are only consulted on the slow path of an access, which a page
    /// already in the TLB does not take.
    /// </summary>
    public void FlushTlb() =>
        Check(UnicornNative.uc_ctl(_handle, UnicornNative.CtlWriteTlbFlush, 0), "flush the TLB");

    /// <summary>
    /// Runs from <paramref name="pc"/> until the guest halts (WFI) or a hook calls <see cref="Stop"/>.
    /// No timeout and no instruction count: an asynchronous stop replays the interrupted memory
    /// instruction (see shared/notes/cpu-core.md). The until address is odd, so never reached.
    /// </summary>
    public int Run(ulong pc) => UnicornNative.uc_emu_start(_handle, pc, 1, 0, 0);

    /// <summary>Stops <see cref="Run"/>; only ever called synchronously from a hook on the vCPU thread, or at shutdown.</summary>
    public void Stop() => UnicornNative.uc_emu_stop(_handle);

    public nint AllocateContext()
    {
        Check(UnicornNative.uc_context_alloc(_handle, out var context), "allocate context");
        return context;
    }

    public void SaveContext(nint context) => Check(UnicornNative.uc_context_save(_handle, context), "save context");

    public void RestoreContext(nint context) => Check(UnicornNative.uc_context_restore(_handle, context), "restore context");

    public int ContextSize => (int)UnicornNative.uc_context_size(_handle);

    public static void FreeContext(nint context) => UnicornNative.uc_context_free(context);

    private static void Check(int code, string operation)
    {
        if (code != 0)
        {
            throw new UnicornException(operation, code);
        }
    }

    public void Dispose()
    {
        if (_handle != 0)
        {
            UnicornNative.uc_close(_handle);
            _handle = 0;
        }
    }
}
