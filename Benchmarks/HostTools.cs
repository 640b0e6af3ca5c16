using System.Diagnostics;

namespace Benchmarks;

/// <summary>What the side-by-side benchmarks need from the host: running a tool, finding the repository.</summary>
public static class HostTools
{
    public static (int Code, string Text) Run(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {tool}");
        var error = process.StandardError.ReadToEndAsync();
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, text + error.Result);
    }

    /// <summary>The repository: the first folder above the benchmark's binaries (or the current one) with Kernel/Kernel.csproj.</summary>
    public static string? FindRepository()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Kernel", "Kernel.csproj")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
