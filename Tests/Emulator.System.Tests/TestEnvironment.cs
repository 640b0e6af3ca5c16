using System.Diagnostics;

namespace Emulator.System.Tests;

/// <summary>
/// What the system tests need from the machine: the emulator next to the tests, the default guest, and host
/// tools installed by scripts/setup.sh. Anything missing fails the test with a message saying how to fix it.
/// </summary>
public static class TestEnvironment
{
    private const string SetUpHint = "run: bash scripts/setup.sh (as root)";

    public static string EmulatorDll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "Emulator.dll");
            if (!File.Exists(path))
            {
                Assert.Fail($"the emulator is missing from the test output folder ({path}); the test project references it, so rebuild the tests");
            }

            return path;
        }
    }

    /// <summary>The default guest's kernel (an arm64 Linux Image), which the emulator boots when given no -kernel.</summary>
    public static string DefaultKernel => RequireFile(DefaultGuest.LinuxKernel, "the default guest's kernel");

    public static string DefaultInitramfs => RequireFile(DefaultGuest.Initramfs, "the default guest's initramfs");

    /// <summary>The guest's root disk image that scripts/setup.sh builds from disk-images/ (ext2, Debian's busybox).</summary>
    public static string RootDiskImage => RequireFile(Path.Combine(DefaultGuest.CacheFolder, "disk", "rootfs.ext2"), "the root disk image");

    /// <summary>Fails unless both files of the default guest are in place.</summary>
    public static void RequireDefaultGuest()
    {
        _ = DefaultKernel;
        _ = DefaultInitramfs;
    }

    private static string RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            Assert.Fail($"{what} is missing ({path}); {SetUpHint}");
        }

        return path;
    }

    /// <summary>The full path of a program on PATH; fails naming the Debian package that provides it.</summary>
    public static string RequireTool(string name, string package)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
        if (path == null)
        {
            Assert.Fail($"'{name}' is not installed (Debian package {package}); {SetUpHint}");
        }

        return path;
    }

    /// <summary>Runs a host tool to completion within <paramref name="timeout"/>, killing it otherwise.</summary>
    public static ToolResult RunTool(string path, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {path}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{path} {string.Join(' ', startInfo.ArgumentList)}' did not finish within {timeout.TotalSeconds} s");
        }

        if (!Task.WaitAll([stdout, stderr], timeout))
        {
            Assert.Fail($"'{path}' exited but kept its output open");
        }

        return new ToolResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs the emulator for a command line that should end by itself (no guest output expected to matter).</summary>
    public static ToolResult RunEmulator(TimeSpan timeout, params string[] arguments)
    {
        using var console = GuestConsole.Start(arguments);
        console.CloseInput();
        var exitCode = console.WaitForExit(timeout);
        return new ToolResult(exitCode, console.Output, console.Errors);
    }

    /// <summary>
    /// Runs QEMU's own `virt` board (the reference) with the same basics as the emulator's defaults:
    /// cortex-a57, 512 MiB, the serial console on standard output, no network.
    /// </summary>
    public static ToolResult RunQemu(TimeSpan timeout, params string[] arguments)
    {
        var qemu = RequireTool("qemu-system-aarch64", "qemu-system-arm");
        return RunTool(qemu, ["-M", "virt", "-cpu", "cortex-a57", "-m", "512M", "-nographic", "-nic", "none", .. arguments], timeout);
    }
}
