namespace Emulator.Devices;

/// <summary>
/// Where devices report guest mistakes (an unimplemented register, a bad descriptor). Each distinct
/// message is written once, so a guest that loops on a bad access cannot flood the host terminal.
/// </summary>
public static class DeviceLog
{
    private static readonly HashSet<string> Seen = [];
    private static readonly object Gate = new();

    /// <summary>Where messages go; the application points it at standard error (tests at a list).</summary>
    public static Action<string> Sink { get; set; } = _ => { };

    public static void Once(string message)
    {
        lock (Gate)
        {
            if (!Seen.Add(message))
            {
                return;
            }
        }

        Sink(message);
    }
}
