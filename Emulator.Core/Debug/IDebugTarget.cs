namespace Emulator.Core.Debug;

/// <summary>
/// What the gdb stub needs of a machine. Register, memory and breakpoint calls are made only while the
/// target is stopped; <see cref="Interrupt"/> and <see cref="WaitForStop"/> while it runs. Register numbers
/// and sizes are those of <see cref="Aarch64Registers"/>; values are little-endian bytes.
/// </summary>
public interface IDebugTarget
{
    /// <summary>A gdb connects: stops the target if it runs and returns why it is stopped.</summary>
    StopEvent Attach();

    bool TryReadRegister(int number, Span<byte> value);

    bool TryWriteRegister(int number, ReadOnlySpan<byte> value);

    /// <summary>Reads guest memory by virtual address; false if any byte is not mapped (or not RAM).</summary>
    bool TryReadMemory(ulong address, Span<byte> data);

    bool TryWriteMemory(ulong address, ReadOnlySpan<byte> data);

    bool InsertBreakpoint(BreakpointKind kind, ulong address, ulong length);

    bool RemoveBreakpoint(BreakpointKind kind, ulong address, ulong length);

    /// <summary>Lets the target run (or execute one instruction) until the next stop.</summary>
    void Resume(bool step);

    /// <summary>Asks a running target to stop soon (Ctrl-C).</summary>
    void Interrupt();

    /// <summary>The next stop of a running target, or null after <paramref name="timeout"/>.</summary>
    StopEvent? WaitForStop(TimeSpan timeout);

    /// <summary>Removes every breakpoint and watchpoint and lets the target run on its own.</summary>
    void Detach();

    /// <summary>Ends the machine (gdb's kill).</summary>
    void Kill();
}
