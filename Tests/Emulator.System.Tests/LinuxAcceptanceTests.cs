using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Emulator.System.Tests;

/// <summary>
/// The default guest, booted once, checked from its shell the way a person would; the last step powers it
/// off.
/// </summary>
[Collection(LinuxGuestCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed partial class LinuxAcceptanceTests(LinuxShell shell) : IClassFixture<LinuxShell>
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly GuestConsole _console = shell.Console;

    [Fact]
    [Step(1)]
    public void MachineIsAarch64()
    {
        Assert.Equal("aarch64", _console.Run("uname -m", CommandTimeout));
    }

    [Fact]
    [Step(2)]
    public void TimerInterruptsKeepArriving()
    {
        // The guest's own one-second sleep between the reads needs a timer interrupt to end.
        var output = _console.Run("grep arch_timer /proc/interrupts; sleep 1; grep arch_timer /proc/interrupts", CommandTimeout);

        var counts = TimerLine().Matches(output).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(counts.Count == 2, $"expected two arch_timer lines in /proc/interrupts, got:\n{output}");
        Assert.True(counts[1] > counts[0], $"the arch_timer count did not go up in a second:\n{output}");
    }

    [Fact]
    [Step(3)]
    public void ClockAgreesWithTheHost()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var output = _console.Run("date +%s", CommandTimeout);
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.True(long.TryParse(output, NumberStyles.None, CultureInfo.InvariantCulture, out var guest), $"not a number of seconds: {output}");
        Assert.InRange(guest, before - 5, after + 5);
    }

    [Fact]
    [Step(4)]
    public void Md5OfZerosMatchesTheHost()
    {
        var expected = Convert.ToHexStringLower(MD5.HashData(new byte[65536]));

        Assert.Equal($"{expected}  -", _console.Run("head -c 65536 /dev/zero | md5sum", CommandTimeout));
    }

    [Fact]
    [Step(5)]
    public void PasteOf20KiBIntoCatArrivesWhole()
    {
        // 256 lines of 80 bytes, pasted in one go: the host holds back what the UART cannot take yet.
        var lines = Enumerable.Range(0, 256).Select(i => $"{i:D5} " + new string((char)('a' + (i % 26)), 73) + "\n");
        var paste = global::System.Text.Encoding.ASCII.GetBytes(string.Concat(lines));
        Assert.Equal(20_480, paste.Length);
        var expected = Convert.ToHexStringLower(MD5.HashData(paste));

        _console.Mark();
        _console.Type("cat > /tmp/paste");
        _console.Send(paste);
        _console.Send(0x04); // Ctrl-D at the start of a line: end of input for cat
        _console.WaitFor(GuestConsole.ShellPrompt, CommandTimeout);

        Assert.Equal($"20480 {expected} -", _console.Run("echo $(wc -c < /tmp/paste) $(md5sum < /tmp/paste)", CommandTimeout));
    }

    [Fact]
    [Step(100)]
    public void PoweroffEndsTheEmulatorWithStatus0()
    {
        _console.Type("poweroff -f");

        Assert.Equal(0, _console.WaitForExit(TimeSpan.FromSeconds(60)));
    }

    /// <summary>"&lt;irq&gt;:  &lt;count&gt;  ...  arch_timer" with one CPU.</summary>
    [GeneratedRegex(@"(?m)^\s*\d+:\s+(\d+)\s.*arch_timer")]
    private static partial Regex TimerLine();
}
