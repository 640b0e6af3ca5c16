using System.Reflection;
using System.Runtime.InteropServices;

namespace Emulator.Core.Unicorn;

/// <summary>
/// The raw Unicorn 2.1 C API (unicorn.h, arm64.h of libunicorn-dev 2.1.4-4). Values were read off the
/// real headers with a C program, not counted by hand. Only <see cref="UnicornEngine"/> uses this.
/// </summary>
internal static unsafe partial class UnicornNative
{
    public const string Library = "unicorn";

    public const int ArchArm64 = 2;
    public const int ModeArm = 0;
    public const int ProtAll = 7;

    public const int HookIntr = 1;
    public const int HookInsn = 2;
    public const int HookCode = 4;
    public const int HookBlock = 8;
    public const int HookMemRead = 1 << 10;
    public const int HookMemWrite = 1 << 11;

    public const int ProtRead = 1;

    public const int InsnMrs = 1;
    public const int InsnMsr = 2;

    // uc_ctl(uc, UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1), model)
    public const int CtlWriteCpuModel = 0x44000007;

    // uc_ctl(uc, UC_CTL_WRITE(UC_CTL_UC_PAGE_SIZE, 1), size)
    public const int CtlWritePageSize = 0x44000001;

    // uc_ctl(uc, UC_CTL_READ(UC_CTL_UC_PAGE_SIZE, 1), &size)
    public const int CtlReadPageSize = unchecked((int)0x84000001);

    // uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0))
    public const int CtlWriteTbFlush = 0x4000000A;

    // uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TLB_FLUSH, 0))
    public const int CtlWriteTlbFlush = 0x4000000B;

    [LibraryImport(Library)]
    public static partial int uc_open(int arch, int mode, out nint uc);

    [LibraryImport(Library)]
    public static partial int uc_close(nint uc);

    [LibraryImport(Library)]
    public static partial uint uc_version(out uint major, out uint minor);

    [LibraryImport(Library)]
    public static partial nint uc_strerror(int code);

    // uc_ctl is variadic; on x86-64 System V an int passed after the fixed arguments travels exactly
    // like a fixed int argument.
    [LibraryImport(Library)]
    public static partial int uc_ctl(nint uc, int control, int arg);

    [LibraryImport(Library, EntryPoint = "uc_ctl")]
    public static partial int uc_ctl(nint uc, int control, out uint result);

    [LibraryImport(Library)]
    public static partial int uc_mem_map_ptr(nint uc, ulong address, nuint size, uint perms, void* ptr);

    [LibraryImport(Library)]
    public static partial int uc_mmio_map(nint uc, ulong address, nuint size,
        delegate* unmanaged<nint, ulong, uint, nint, ulong> readCallback, nint readUserData,
        delegate* unmanaged<nint, ulong, uint, ulong, nint, void> writeCallback, nint writeUserData);

    [LibraryImport(Library)]
    public static partial int uc_reg_read(nint uc, int regId, void* value);

    [LibraryImport(Library)]
    public static partial int uc_reg_write(nint uc, int regId, void* value);

    [LibraryImport(Library)]
    public static partial int uc_mem_read(nint uc, ulong address, void* bytes, nuint size);

    [LibraryImport(Library)]
    public static partial int uc_mem_write(nint uc, ulong address, void* bytes, nuint size);

    [LibraryImport(Library)]
    public static partial int uc_vmem_translate(nint uc, ulong address, int prot, out ulong physicalAddress);

    [LibraryImport(Library)]
    public static partial int uc_context_restore(nint uc, nint context);

    [LibraryImport(Library)]
    public static partial int uc_emu_start(nint uc, ulong begin, ulong until, ulong timeout, nuint count);

    [LibraryImport(Library)]
    public static partial int uc_emu_stop(nint uc);

    [LibraryImport(Library)]
    public static partial int uc_hook_add(nint uc, out nint hookHandle, int type, void* callback, nint userData,
        ulong begin, ulong end);

    // The variadic form for UC_HOOK_INSN: the instruction id follows the fixed arguments.
    [LibraryImport(Library)]
    public static partial int uc_hook_add(nint uc, out nint hookHandle, int type, void* callback, nint userData,
        ulong begin, ulong end, int instruction);

    [LibraryImport(Library)]
    public static partial int uc_hook_del(nint uc, nint hookHandle);

    [LibraryImport(Library)]
    public static partial int uc_context_alloc(nint uc, out nint context);

    [LibraryImport(Library)]
    public static partial int uc_context_save(nint uc, nint context);

    [LibraryImport(Library)]
    public static partial nuint uc_context_size(nint uc);

    [LibraryImport(Library)]
    public static partial int uc_context_free(nint context);

    /// <summary>The loaded library's handle (0 until the first call into it).</summary>
    internal static nint LoadedLibrary { get; private set; }

    /// <summary>
    /// libunicorn.so.2 is not a system library: set-up unpacks it into the repository's .deps/unicorn/
    /// and the build copies it next to the assemblies. VIRT_EMULATOR_UNICORN overrides the path.
    /// </summary>
    internal static void RegisterResolver()
    {
        NativeLibrary.SetDllImportResolver(typeof(UnicornNative).Assembly, Resolve);
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return 0;
        }

        foreach (var candidate in Candidates())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
            {
                LoadedLibrary = handle;
                return handle;
            }
        }

        throw new DllNotFoundException(
            "libunicorn.so.2 not found (looked next to the program and in the repository's .deps/unicorn/); " +
            "run: bash scripts/setup.sh");
    }

    private static IEnumerable<string> Candidates()
    {
        var overridePath = Environment.GetEnvironmentVariable("VIRT_EMULATOR_UNICORN");
        if (!string.IsNullOrEmpty(overridePath))
        {
            yield return overridePath;
        }

        yield return Path.Combine(AppContext.BaseDirectory, "libunicorn.so.2");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            yield return Path.Combine(dir.FullName, ".deps", "unicorn", "libunicorn.so.2");
        }
    }
}
