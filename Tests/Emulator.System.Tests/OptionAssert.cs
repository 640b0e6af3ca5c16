namespace Emulator.System.Tests;

/// <summary>
/// How a mistaken command line must be refused: by the parser with a one-line <see cref="UsageException"/>, and
/// by the emulator with exit status 1, nothing on the console and exactly one line on standard error, each
/// mentioning what the user got wrong.
/// </summary>
public static class OptionAssert
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static void Usage(string[] arguments, params string[] mustMention)
    {
        var e = Assert.Throws<UsageException>(() => Options.Parse(arguments));
        Assert.DoesNotContain('\n', e.Message);
        foreach (var text in mustMention)
        {
            Assert.True(e.Message.Contains(text, StringComparison.Ordinal), $"the message must mention \"{text}\": {e.Message}");
        }
    }

    public static void Refused(string[] arguments, params string[] mustMention)
    {
        var result = TestEnvironment.RunEmulator(Timeout, arguments);
        Assert.True(result.ExitCode == 1, $"expected exit code 1 for: {string.Join(' ', arguments)}\n{result}");
        Assert.True(result.Stdout.Length == 0, $"nothing may reach the console\n{result}");
        var lines = result.Stderr.Split('\n');
        Assert.True(lines.Length == 2 && lines[1].Length == 0 && lines[0].Length > 0, $"expected exactly one line on standard error\n{result}");
        foreach (var text in mustMention)
        {
            Assert.True(lines[0].Contains(text, StringComparison.Ordinal), $"the message must mention \"{text}\": {lines[0]}");
        }
    }
}
