using System.Diagnostics;
using System.Text;

namespace Kernel.Tests.Processes;

/// <summary>
/// Dynamically linked programs on our kernel: Userspace/dynamic's test program built against musl
/// (loader /lib/ld-musl-aarch64.so.1, Debian's musl:arm64) and against glibc (loader
/// /lib/ld-linux-aarch64.so.1, Debian's libc6:arm64), with a linked shared library holding TLS, a
/// dlopened one with dynamic TLS, threads, and LD_LIBRARY_PATH. Each run is compared with the same
/// files run by qemu-aarch64-static on the host (Linux's loader behaviour, the same tree as its
/// sysroot), and must report success.
/// </summary>
public abstract class DynamicLinkingTests : IClassFixture<DynamicGuestRoot>, IDisposable
{
    private readonly DynamicGuestRoot _root;
    private readonly QemuMachine _machine;

    protected DynamicLinkingTests(DynamicGuestRoot root, BootMachine machine)
    {
        _root = root;
        _machine = new QemuMachine(machine, "", "512M", "-initrd", root.Initramfs)
            .StartedWith(m => m.WaitFor(@"^dynamic test shell ready$", TimeSpan.FromSeconds(60)));
    }

    public void Dispose() => _machine.Dispose();

    private string Run(string command) => _machine.RunShellCommand(command);

    [Theory]
    [InlineData("musl")]
    [InlineData("glibc")]
    public void The_test_program_runs_with_its_libraries_as_on_Linux(string libc)
    {
        string command = $"LD_LIBRARY_PATH=/opt/dyn/{libc}/lib /opt/dyn/{libc}/dyntest /opt/dyn/{libc}/lib/libdynplugin.so; echo exit=$?";
        string ours = Run(command);
        Assert.Contains("dyntest: ok\nexit=0\n", ours);
        Assert.Equal(_root.RunOnHost(libc, $"/opt/dyn/{libc}/lib", $"/opt/dyn/{libc}/lib/libdynplugin.so"), ours);
    }

    [Theory]
    [InlineData("musl")]
    [InlineData("glibc")]
    public void Without_LD_LIBRARY_PATH_the_loader_says_which_library_is_missing(string libc)
    {
        string ours = Run($"/opt/dyn/{libc}/dyntest /opt/dyn/{libc}/lib/libdynplugin.so; echo exit=$?");
        Assert.Contains("libdyntls.so", ours);
        Assert.EndsWith("exit=127\n", ours);
        Assert.Equal(_root.RunOnHost(libc, null, $"/opt/dyn/{libc}/lib/libdynplugin.so"), ours);
    }

    [Fact]
    public void A_missing_or_broken_interpreter_fails_the_execve()
    {
        // PT_INTERP names a file that is not there: ENOENT, as Linux, which the shell reports as "not found"...
        Assert.Equal("exit=127\n", Run("/opt/dyn/no-loader 2>/dev/null; echo exit=$?"));
        // ...and one that is not an ELF file: ELIBBAD (the shell says it cannot execute it).
        string bad = Run("/opt/dyn/bad-loader; echo exit=$?");
        Assert.Contains("Accessing a corrupted shared library", bad);
        Assert.EndsWith("exit=126\n", bad);
        // The shell itself is unharmed.
        Assert.Equal("still here\n", Run("echo still here"));
    }

    /// <summary>One run of each program, musl's and glibc's, saying "failed" if either fails.</summary>
    private const string OneOfEach =
        "LD_LIBRARY_PATH=/opt/dyn/musl/lib /opt/dyn/musl/dyntest /opt/dyn/musl/lib/libdynplugin.so >/dev/null || echo failed; " +
        "LD_LIBRARY_PATH=/opt/dyn/glibc/lib /opt/dyn/glibc/dyntest /opt/dyn/glibc/lib/libdynplugin.so >/dev/null || echo failed";

    private static string Rounds(int rounds) => $"i=0; while [ $i -lt {rounds} ]; do {OneOfEach}; i=$((i+1)); done; echo done";

    [Fact]
    public void A_thousand_runs_leave_free_memory_where_it_was()
    {
        string before = Run("grep MemFree /proc/meminfo");
        Assert.Equal("done\n", Run(Rounds(40)));
        // Page-cache pages of the files stay cached after the first runs: compare from the second round on.
        string after = Run("grep MemFree /proc/meminfo");
        Assert.Equal("done\n", _machine.RunShellCommand(Rounds(500), TimeSpan.FromMinutes(10)));
        string last = Run("grep MemFree /proc/meminfo");
        Assert.True(after == last, $"MemFree before {before.Trim()}, after 80 runs {after.Trim()}, after 1,000 more {last.Trim()}");
    }
}

[Collection("Qemu")]
public class DynamicLinkingTestsOnQemu(DynamicGuestRoot root) : DynamicLinkingTests(root, BootMachine.Qemu);

[Collection("Emulator")]
public class DynamicLinkingTestsOnEmulator(DynamicGuestRoot root) : DynamicLinkingTests(root, BootMachine.Emulator);

/// <summary>
/// The guest's files, in an initramfs and in a host folder for qemu-user's sysroot: busybox, the two
/// loaders with glibc's libc.so.6, /opt/dyn/{musl,glibc}/dyntest with their libraries in lib/ (not a
/// path either loader searches by itself), and two copies of the musl program whose PT_INTERP names a
/// missing file and a text file.
/// </summary>
public sealed class DynamicGuestRoot : IDisposable
{
    private readonly string _directory;
    private readonly string _sysroot;

    public DynamicGuestRoot()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"dynamic-{Environment.ProcessId}-{Guid.NewGuid():N}");
        _sysroot = Path.Combine(_directory, "root");
        string repo = UserspaceGuest.RepositoryRoot();
        string musl = Path.Combine(repo, ".deps", "musl", "lib", "aarch64-linux-musl", "libc.so");
        string glibc = Path.Combine(repo, ".deps", "glibc", "lib");
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["lib/ld-musl-aarch64.so.1"] = File.ReadAllBytes(musl),
            ["lib/ld-linux-aarch64.so.1"] = File.ReadAllBytes(Path.Combine(glibc, "ld-linux-aarch64.so.1")),
            ["lib/aarch64-linux-gnu/libc.so.6"] = File.ReadAllBytes(Path.Combine(glibc, "aarch64-linux-gnu", "libc.so.6")),
            ["lib/ld-text-aarch64.so.1"] = Encoding.ASCII.GetBytes("this is not an ELF file\n"),
        };
        foreach (string libc in new[] { "musl", "glibc" })
        {
            string built = Path.Combine(Path.GetDirectoryName(UserspaceGuest.Binary("init"))!, "dynamic", libc);
            files[$"opt/dyn/{libc}/dyntest"] = File.ReadAllBytes(Path.Combine(built, "dyntest"));
            files[$"opt/dyn/{libc}/lib/libdyntls.so"] = File.ReadAllBytes(Path.Combine(built, "libdyntls.so"));
            files[$"opt/dyn/{libc}/lib/libdynplugin.so"] = File.ReadAllBytes(Path.Combine(built, "libdynplugin.so"));
        }
        byte[] program = files["opt/dyn/musl/dyntest"];
        files["opt/dyn/no-loader"] = WithInterpreter(program, "/lib/ld-none-aarch64.so.1");
        files["opt/dyn/bad-loader"] = WithInterpreter(program, "/lib/ld-text-aarch64.so.1");

        var entries = new List<Newc.Entry>();
        var directories = new SortedSet<string>(StringComparer.Ordinal) { "bin", "dev", "proc", "sys", "tmp", "root" };
        foreach (string path in files.Keys)
            for (string? d = Path.GetDirectoryName(path); !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
                directories.Add(d);
        foreach (string d in directories)
        {
            entries.Add(Newc.Directory(d));
            Directory.CreateDirectory(Path.Combine(_sysroot, d));
        }
        foreach ((string path, byte[] data) in files)
        {
            entries.Add(Newc.Executable(path, data));
            File.WriteAllBytes(Path.Combine(_sysroot, path), data);
            if (OperatingSystem.IsLinux())
                File.SetUnixFileMode(Path.Combine(_sysroot, path), (UnixFileMode)0x1ed); // qemu-user runs only executable files
        }
        string init = "#!/bin/busybox sh\n/bin/busybox --install -s\n" +
                      "mount -t proc proc /proc\nmount -t devtmpfs devtmpfs /dev\nmount -t tmpfs tmpfs /tmp\n" +
                      "export PATH=/bin HOME=/root PS1='# '\necho dynamic test shell ready\nsetsid cttyhack sh\npoweroff -f\n";
        entries.Add(Newc.CharDevice("dev/console", 5, 1));
        entries.Add(Newc.Executable("init", Encoding.ASCII.GetBytes(init)));
        entries.Add(Newc.Executable("bin/busybox", UserspaceGuest.DebianBusybox()));
        Initramfs = Path.Combine(_directory, "dynamic.cpio");
        File.WriteAllBytes(Initramfs, Newc.Archive(entries.ToArray()));
    }

    public string Initramfs { get; }

    /// <summary>A copy of <paramref name="program"/> whose PT_INTERP names <paramref name="interpreter"/> (the same length as musl's).</summary>
    private static byte[] WithInterpreter(byte[] program, string interpreter)
    {
        byte[] old = Encoding.ASCII.GetBytes("/lib/ld-musl-aarch64.so.1\0");
        byte[] replacement = Encoding.ASCII.GetBytes(interpreter + "\0");
        Assert.Equal(old.Length, replacement.Length);
        int at = program.AsSpan().IndexOf(old);
        Assert.True(at > 0, "the musl program names no /lib/ld-musl-aarch64.so.1");
        byte[] copy = (byte[])program.Clone();
        replacement.CopyTo(copy, at);
        return copy;
    }

    /// <summary>
    /// /opt/dyn/LIBC/dyntest ARGUMENT under qemu-aarch64-static with the guest's tree as its sysroot
    /// (argv[0] and file names as the guest has them): its standard error and output, then "exit=N", as the shell shows them.
    /// </summary>
    public string RunOnHost(string libc, string? libraryPath, string argument)
    {
        var start = new ProcessStartInfo("/usr/bin/qemu-aarch64-static")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-L", _sysroot, "-0", $"/opt/dyn/{libc}/dyntest" })
            start.ArgumentList.Add(a);
        if (libraryPath != null)
        {
            start.ArgumentList.Add("-E");
            start.ArgumentList.Add("LD_LIBRARY_PATH=" + libraryPath);
        }
        start.ArgumentList.Add(Path.Combine(_sysroot, "opt", "dyn", libc, "dyntest"));
        start.ArgumentList.Add(argument);
        start.Environment.Remove("LD_LIBRARY_PATH");
        using var p = Process.Start(start) ?? throw new InvalidOperationException("qemu-aarch64-static did not start");
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> errors = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(true);
            throw new TimeoutException($"host run of {libc}'s dyntest timed out");
        }
        // musl names the program by AT_EXECFN, which qemu-user gives as the host's path.
        return (errors.Result + output.Result).Replace(_sysroot, "", StringComparison.Ordinal) + $"exit={p.ExitCode}\n";
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, true); } catch (IOException) { }
    }
}
