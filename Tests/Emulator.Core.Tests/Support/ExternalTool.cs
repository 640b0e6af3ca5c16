using System.ComponentModel;
using System.Diagnostics;

namespace Emulator.Core.Tests.Support;

/// <summary>
/// Runs a host tool the tests depend on (the AArch64 binutils, dtc, QEMU). A tool that is not installed
/// fails the calling test with the package to install: these tests never skip.
/// </summary>
internal static class ExternalTool
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static ToolResult Run(string tool, string package, params string[] arguments) =>
        Run(tool, package, DefaultTimeout, arguments);

    /// <summary>Runs the tool, failing the test when it is not installed or does not finish within <paramref name="timeout"/>.</summary>
    public static ToolResult Run(string tool, string package, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"{tool} could not be started ({e.Message}); install the Debian package {package} " +
                "(bash scripts/setup.sh installs everything the tests need)");
            throw; // unreachable: Assert.Fail throws
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{tool} did not finish within {timeout.TotalSeconds} s");
            }

            process.WaitForExit();
            return new ToolResult(process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    /// <summary>Runs the tool and fails the test unless it exits with 0 and prints nothing on stderr.</summary>
    public static string RunClean(string tool, string package, params string[] arguments)
    {
        var result = Run(tool, package, arguments);
        Assert.True(result.ExitCode == 0,
            $"{tool} {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.StandardError}");
        Assert.True(result.StandardError.Length == 0,
            $"{tool} {string.Join(' ', arguments)} complained:\n{result.StandardError}");
        return result.StandardOutput;
    }
}
