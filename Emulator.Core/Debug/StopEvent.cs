namespace Emulator.Core.Debug;

/// <summary>
/// Why the target stopped: a signal number (5 SIGTRAP for breakpoints, steps and watchpoints, 2 SIGINT for an
/// interrupt) with what caused it, or the machine's end (<see cref="Exited"/>).
/// </summary>
public sealed record StopEvent(int Signal, BreakpointKind? Cause = null, ulong WatchAddress = 0, bool Exited = false)
{
    public const int SigInt = 2;
    public const int SigTrap = 5;

    public static StopEvent Trap { get; } = new(SigTrap);

    public static StopEvent Interrupted { get; } = new(SigInt);

    /// <summary>The stop reply packet (thread 1 is the only thread).</summary>
    public string Reply()
    {
        if (Exited)
        {
            return "W00";
        }

        var reason = Cause switch
        {
            BreakpointKind.Software => "swbreak:;",
            BreakpointKind.Hardware => "hwbreak:;",
            BreakpointKind.WriteWatch => $"watch:{WatchAddress:x};",
            BreakpointKind.ReadWatch => $"rwatch:{WatchAddress:x};",
            BreakpointKind.AccessWatch => $"awatch:{WatchAddress:x};",
            _ => "",
        };
        return $"T{Signal:x2}{reason}thread:01;";
    }
}
