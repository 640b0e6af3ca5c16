namespace Emulator.Core.Debug;

/// <summary>The Z packet types: 0 software, 1 hardware breakpoint, 2 write, 3 read, 4 access watchpoint.</summary>
public enum BreakpointKind
{
    Software = 0,
    Hardware = 1,
    WriteWatch = 2,
    ReadWatch = 3,
    AccessWatch = 4,
}
