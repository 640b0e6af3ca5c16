using System.Diagnostics;

namespace Kernel.Tests;

/// <summary>
/// A machine the boot tests run the kernel on: qemu-system-aarch64, or our emulator of the same board
/// (Emulator/, run with dotnet), which takes the same options. Both get
/// -M virt -cpu cortex-a57 -m SIZE -nographic -no-reboot; QEMU also gets -nic none (this machine's QEMU
/// lacks the default NIC's ROM; the emulator has no NIC option).
/// </summary>
public sealed class BootMachine
{
    private readonly Lazy<(string FileName, string[] Leading)> _command;
    private readonly bool _isQemu;

    private BootMachine(string name, bool isQemu, string installHint, Func<(string, string[])> resolve)
    {
        Name = name;
        _isQemu = isQemu;
        InstallHint = installHint;
        // Resolved at first use; a failure (say, the emulator's build) is remembered, not retried.
        _command = new Lazy<(string, string[])>(resolve, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Name { get; }

    /// <summary>Appended to the message when the machine cannot be started.</summary>
    public string InstallHint { get; }

    public override string ToString() => Name;

    /// <summary>
    /// qemu-system-aarch64 from PATH, or KERNEL_TEST_MACHINE: another executable that takes QEMU's
    /// options and emulates the same board.
    /// </summary>
    public static BootMachine Qemu { get; } = new(
        Environment.GetEnvironmentVariable("KERNEL_TEST_MACHINE") is { Length: > 0 } m ? m : "QEMU",
        true,
        " (install the qemu-system-arm package)",
        () => (Environment.GetEnvironmentVariable("KERNEL_TEST_MACHINE") is { Length: > 0 } m ? m : "qemu-system-aarch64", Array.Empty<string>()));

    /// <summary>Our emulator: dotnet REPO/Emulator/bin/CONFIG/net10.0/Emulator.dll, built once (Release) when missing.</summary>
    public static BootMachine Emulator { get; } = new("our emulator", false, "", () => (DotnetHost, new[] { EmulatorAssembly() }));

    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(QemuMachine.KernelBinDirectory, "..", ".."));

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The newest built Emulator.dll (Release or Debug); builds the Release one when there is none.</summary>
    private static string EmulatorAssembly()
    {
        string root = RepositoryRoot;
        string? Newest() => new[] { "Release", "Debug" }
            .Select(c => Path.Combine(root, "Emulator", "bin", c, "net10.0", "Emulator.dll"))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault();
        if (Newest() is { } built)
            return built;
        if (!File.Exists(Path.Combine(root, "Emulator", "Emulator.csproj")))
            throw new InvalidOperationException($"our emulator's project is not at {Path.Combine(root, "Emulator")}");

        // Not built yet: build it once (the first test that needs it waits; the others share the result).
        var build = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "build", "Emulator", "-c", "Release", "-p:SkipSetUp=true" })
            build.ArgumentList.Add(a);
        // Not the settings of the MSBuild that started this test run: the CLI sets its own.
        foreach (string v in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
            build.Environment.Remove(v);
        using Process process = Process.Start(build) ?? throw new InvalidOperationException("dotnet build did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"our emulator is not built and 'dotnet build Emulator -c Release -p:SkipSetUp=true' in {root} took over 5 minutes");
        }
        string log = stdout.Result + stderr.Result;
        if (process.ExitCode != 0 || Newest() is not { } dll)
            throw new InvalidOperationException(
                $"our emulator is not built and 'dotnet build Emulator -c Release -p:SkipSetUp=true' in {root} failed (exit {process.ExitCode}):\n{Tail(log, 4000)}");
        return dll;
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : text[^length..];

    private IEnumerable<string> BoardOptions(string memory, string machine = "virt")
    {
        string[] options = { "-M", machine, "-cpu", "cortex-a57", "-m", memory, "-nographic", "-no-reboot" };
        return _isQemu ? options.Concat(new[] { "-nic", "none" }) : options;
    }

    public ProcessStartInfo StartInfo(string memory, IEnumerable<string> options, string machine = "virt")
    {
        (string fileName, string[] leading) = _command.Value;
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in leading.Concat(BoardOptions(memory, machine)).Concat(options))
            start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>The device tree the machine gives a guest (-M virt,dumpdtb=FILE).</summary>
    public byte[] DumpDeviceTree(string memory = "512M")
    {
        string file = Path.Combine(Path.GetTempPath(), $"kernel-tests-{Environment.ProcessId}-{Guid.NewGuid():N}.dtb");
        try
        {
            ProcessStartInfo start = StartInfo(memory, Array.Empty<string>(), $"virt,dumpdtb={file}");
            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{Name} did not start");
            process.StandardInput.Close();
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{Name} -M virt,dumpdtb did not exit within 30 s");
            }
            if (!File.Exists(file))
                throw new InvalidOperationException($"{Name} -M virt,dumpdtb wrote no device tree (exit {process.ExitCode}):\n{stdout.Result}{stderr.Result}");
            return File.ReadAllBytes(file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
