using Emulator.Core.Unicorn;

namespace Emulator.Core.Cpu;

/// <summary>
/// Controls where Unicorn's translated code looks for exit requests.
///
/// Unicorn 2.1.4's translator emits a call to helper_check_exit_request at the start of every block, and also after
/// every guest load and store and after every hook call, unless uc_struct.no_exit_request is set when the code is
/// translated (check_exit_request_aarch64 reads it). Those calls are most of what a load or store costs beyond the
/// access itself: a helper call makes TCG write its cached guest registers back to memory. Measured with the
/// side-by-side benchmark (README, Performance): the 200,000-iteration sh loop went from 2.49 to 1.63 times QEMU's
/// time, the boot from 1.81 to 1.32.
///
/// Without the checks after accesses and hooks, an exit request is noticed at the next block start only, which is
/// exact (nothing of that block has run). The catch: a hook that writes PC also sets
/// uc_struct.skip_sync_pc_on_exit, and the next check then keeps the written PC instead of restoring the real one. A
/// hook in the middle of a block that writes PC therefore replays the rest of the block when no check follows the
/// hook. So while the checks are off, hooks in the middle of a block never write PC; they ask for an exit (which the
/// next block start honours exactly) and clear a stale skip flag (<see cref="ForgetPcWrite"/>). Hooks at a block's
/// start (UC_HOOK_BLOCK) and the exception hook (between blocks) write PC as before.
///
/// The offsets of both fields are read from the machine code of the loaded library's own functions
/// (check_exit_request_aarch64, uc_reg_write, helper_check_exit_request_aarch64) and cross-checked; if the code does
/// not look as expected, <see cref="For"/> returns null and the machine keeps every check.
/// </summary>
public sealed unsafe class ExitRequestChecks
{
    private readonly byte* _noExitRequest;
    private readonly byte* _skipSyncPcOnExit;

    private ExitRequestChecks(nint uc, Layout layout)
    {
        _noExitRequest = (byte*)(uc + layout.NoExitRequest);
        _skipSyncPcOnExit = (byte*)(uc + layout.SkipSyncPcOnExit);
    }

    /// <summary>Whether code translated from now on checks for exits after accesses and hooks.</summary>
    public bool Enabled
    {
        get => Volatile.Read(ref *_noExitRequest) == 0;
        set => Volatile.Write(ref *_noExitRequest, value ? (byte)0 : (byte)1);
    }

    /// <summary>
    /// Clears a skip flag left by an earlier PC write whose exit was taken without a check (the exception hook's,
    /// say), so that an exit asked for now restores the real PC. Only from a hook on the vCPU thread.
    /// </summary>
    public void ForgetPcWrite() => Volatile.Write(ref *_skipSyncPcOnExit, 0);

    private readonly record struct Layout(int NoExitRequest, int SkipSyncPcOnExit);

    private static readonly Lazy<Layout?> LocatedLayout = new(Locate);

    /// <summary>The controls of <paramref name="engine"/>, or null if this library build is not recognised.</summary>
    public static ExitRequestChecks? For(UnicornEngine engine) =>
        LocatedLayout.Value is { } layout ? new ExitRequestChecks(engine.Handle, layout) : null;

    private static Layout? Locate()
    {
        if (!UnicornEngine.TryGetExport("check_exit_request_aarch64", out var emitter)
            || !UnicornEngine.TryGetExport("uc_reg_write", out var regWrite)
            || !UnicornEngine.TryGetExport("helper_check_exit_request_aarch64", out var helper))
        {
            return null;
        }

        // check_exit_request: mov disp32(%rdi),%rsi (tcg_ctx->uc); cmpb $0x0,disp32(%rsi) (uc->no_exit_request).
        var noExit = FindAfter(new ReadOnlySpan<byte>((void*)emitter, 96), [0x48, 0x8B, 0xB7], 4, [0x80, 0xBE], [0x00]);

        // uc_reg_write, after a PC write: movb $0x1,disp32(%rbx) twice, quit_request then skip_sync_pc_on_exit.
        var code = new ReadOnlySpan<byte>((void*)regWrite, 192);
        int? skip = null;
        for (var i = 0; i + 14 <= code.Length; i++)
        {
            if (code[i] == 0xC6 && code[i + 1] == 0x83 && code[i + 6] == 0x01
                && code[i + 7] == 0xC6 && code[i + 8] == 0x83 && code[i + 13] == 0x01)
            {
                skip = BitConverter.ToInt32(code.Slice(i + 9, 4));
                break;
            }
        }

        // helper_check_exit_request: cmpb $0x0,disp32(%rdi) and movb $0x0,disp32(%rdi) on the same field.
        var helperCode = new ReadOnlySpan<byte>((void*)helper, 96);
        var skipRead = FindAfter(helperCode, [], 0, [0x80, 0xBF], [0x00]);
        var skipClear = FindAfter(helperCode, [], 0, [0xC6, 0x87], [0x00]);
        if (noExit is not { } n || skip is not { } s || skipRead != s || skipClear != s
            || n is <= 0 or > 0x10000 || s is <= 0 or > 0x10000)
        {
            return null;
        }

        return new Layout(n, s);
    }

    /// <summary>
    /// The disp32 of the first instruction <paramref name="opcode"/> disp32 <paramref name="tail"/> that directly
    /// follows <paramref name="before"/> (plus <paramref name="beforeOperand"/> bytes), or anywhere if that is empty.
    /// </summary>
    private static int? FindAfter(ReadOnlySpan<byte> code, ReadOnlySpan<byte> before, int beforeOperand,
        ReadOnlySpan<byte> opcode, ReadOnlySpan<byte> tail)
    {
        var prefix = before.Length + beforeOperand;
        for (var i = prefix; i + opcode.Length + 4 + tail.Length <= code.Length; i++)
        {
            if (code.Slice(i, opcode.Length).SequenceEqual(opcode)
                && code.Slice(i + opcode.Length + 4, tail.Length).SequenceEqual(tail)
                && (before.IsEmpty || code.Slice(i - prefix, before.Length).SequenceEqual(before)))
            {
                return BitConverter.ToInt32(code.Slice(i + opcode.Length, 4));
            }
        }

        return null;
    }
}
