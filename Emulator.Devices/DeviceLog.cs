using System.Text.RegularExpressions;

namespace Emulator.Devices;

/// <summary>
/// Where devices report guest mistakes (an unimplemented register, a bad descriptor). Each kind of mistake
/// is written once and then only counted, so a guest that loops over bad accesses cannot flood the host
/// terminal: messages that differ only in their numbers (offsets, sizes, addresses, interrupt ids) are one
/// kind. <see cref="Summary"/> gives the counts of the kinds that happened again, for the end of the run.
/// </summary>
public static partial class DeviceLog
{
    private static readonly Dictionary<string, (string First, long Count)> Kinds = [];
    private static readonly object Gate = new();

    /// <summary>Where messages go; the application points it at standard error (tests at a list).</summary>
    public static Action<string> Sink { get; set; } = _ => { };

    /// <summary>
    /// Reports <paramref name="message"/> if its kind has not been reported yet, and counts it otherwise.
    /// <paramref name="kind"/> overrides the kind (by default the message with its numbers masked).
    /// </summary>
    public static void Once(string message, string? kind = null)
    {
        kind ??= Numbers().Replace(message, "#");
        lock (Gate)
        {
            if (Kinds.TryGetValue(kind, out var seen))
            {
                Kinds[kind] = (seen.First, seen.Count + 1);
                return;
            }

            Kinds[kind] = (message, 1);
        }

        Sink(message);
    }

    /// <summary>One line per kind reported more than once: its first message and how often it happened.</summary>
    public static IReadOnlyList<string> Summary()
    {
        lock (Gate)
        {
            return [.. Kinds.Values.Where(k => k.Count > 1).Select(k => $"{k.First} ({k.Count} times in all)")];
        }
    }

    /// <summary>Forgets every kind seen (for tests, which share the process).</summary>
    public static void Reset()
    {
        lock (Gate)
        {
            Kinds.Clear();
        }
    }

    [GeneratedRegex(@"0x[0-9A-Fa-f]+|\d+")]
    private static partial Regex Numbers();
}
