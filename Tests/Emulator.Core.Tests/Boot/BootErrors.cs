using Emulator.Core.Boot;

namespace Emulator.Core.Tests.Boot;

internal static class BootErrors
{
    /// <summary>
    /// Asserts that <paramref name="action"/> fails with a BootException whose message is one line naming
    /// the file (quoted) and containing <paramref name="problem"/>.
    /// </summary>
    public static BootException Assert(Action action, string path, string problem)
    {
        var e = Xunit.Assert.Throws<BootException>(action);
        Xunit.Assert.Contains($"'{path}'", e.Message);
        Xunit.Assert.Contains(problem, e.Message);
        Xunit.Assert.DoesNotContain('\n', e.Message);
        Xunit.Assert.DoesNotContain('\r', e.Message);
        return e;
    }
}
