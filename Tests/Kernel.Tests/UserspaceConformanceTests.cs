using System.Diagnostics;
using System.Text;

namespace Kernel.Tests;

/// <summary>
/// The syscall conformance suite (Userspace/conform, a static AArch64 musl program) against real Linux
/// behaviour, which proves the suite asserts Linux's behaviour before the managed kernel is held to it:
/// under qemu-aarch64-static on this host (the host's Linux kernel behind QEMU's system-call
/// translation), and as the test init's child on Debian's arm64 Linux kernel under qemu-system-aarch64.
/// Also checks the runner's own contract: failures, crashes and hangs are failures of one test, the
/// closing line, the exit status, filters. The binaries come from scripts/setup.sh (Userspace/build.sh),
/// which each run calls first: it returns at once when nothing changed.
/// </summary>
public class UserspaceConformanceTests
{
    private const string QemuUser = "/usr/bin/qemu-aarch64-static";
    private const string QemuSystem = "qemu-system-aarch64";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);
    private static readonly object SetUpLock = new();
    private static string? _setUpFailure;
    private static bool _setUpDone;

    private static string RepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "Emulator.sln")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException($"Emulator.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Userspace/bin/NAME, after making sure the set-up (and so the userspace build) is current.</summary>
    private static string Binary(string name)
    {
        string root = RepositoryRoot();
        lock (SetUpLock)
        {
            if (!_setUpDone)
            {
                Result setUp = Run("bash", [Path.Combine(root, "scripts", "setup.sh")], null, RunTimeout);
                _setUpDone = true;
                if (setUp.ExitCode != 0)
                    _setUpFailure = $"scripts/setup.sh exited {setUp.ExitCode}:\n{setUp.Stderr}{setUp.Stdout}";
            }
        }
        Assert.True(_setUpFailure == null, _setUpFailure);
        string path = Path.Combine(root, "Userspace", "bin", name);
        Assert.True(File.Exists(path), $"{path} is missing; run: bash scripts/setup.sh (it runs Userspace/build.sh)");
        return path;
    }

    private sealed record Result(int ExitCode, string Stdout, string Stderr, bool TimedOut);

    private static Result Run(string file, IEnumerable<string> args, IDictionary<string, string>? environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
            start.ArgumentList.Add(a);
        if (environment != null)
            foreach (var (key, value) in environment)
                start.Environment[key] = value;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run {file}: {e.Message} (run: bash scripts/setup.sh)", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            bool exited = process.WaitForExit(timeout);
            if (!exited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            return new Result(exited ? process.ExitCode : -1, stdout.Result, stderr.Result, !exited);
        }
    }

    /// <summary>Runs the suite under qemu-user. CONFORM_QEMU_USER tells it so (see conform.h).</summary>
    private static Result RunConformUnderQemuUser(params string[] args) =>
        Run(QemuUser, new[] { Binary("conform") }.Concat(args),
            new Dictionary<string, string> { ["CONFORM_QEMU_USER"] = QemuUser, ["CONFORM_TIMEOUT"] = "60" }, RunTimeout);

    private static string[] Lines(string text) =>
        text.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The failing lines and the end of the output, for a failure message.</summary>
    private static string Describe(Result r, string[] lines)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"exit code {r.ExitCode}{(r.TimedOut ? " (timed out)" : "")}");
        foreach (string line in lines.Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)))
            sb.AppendLine(line);
        sb.AppendLine("--- last lines ---");
        foreach (string line in lines.TakeLast(15))
            sb.AppendLine(line);
        if (r.Stderr.Length > 0)
            sb.AppendLine("--- stderr (end) ---").AppendLine(r.Stderr[Math.Max(0, r.Stderr.Length - 2000)..]);
        return sb.ToString();
    }

    /// <summary>Parses the closing "N passed, M failed" line (the last line of the output).</summary>
    private static (int Passed, int Failed) Summary(string[] lines, Result r)
    {
        Assert.True(lines.Length > 0, "no output\n" + Describe(r, lines));
        string last = lines[^1];
        string[] words = last.Split(' ');
        Assert.True(words.Length == 4 && words[1] == "passed," && words[3] == "failed" &&
                    int.TryParse(words[0], out _) && int.TryParse(words[2], out _),
            $"the output does not end with \"N passed, M failed\": \"{last}\"\n" + Describe(r, lines));
        return (int.Parse(words[0]), int.Parse(words[2]));
    }

    [Fact]
    public void Suite_PassesUnderQemuUser()
    {
        Result r = RunConformUnderQemuUser();
        string[] lines = Lines(r.Stdout);
        var (passed, failed) = Summary(lines, r);
        Assert.True(failed == 0 && r.ExitCode == 0, $"{failed} conformance tests failed under qemu-user\n" + Describe(r, lines));
        Assert.EndsWith("0 failed", lines[^1]);
        // Every test reported exactly once, and the summary counts them.
        int ok = lines.Count(l => l.StartsWith("ok ", StringComparison.Ordinal));
        Assert.Equal(ok, passed);
        Assert.True(passed >= 150, $"only {passed} tests passed: the suite lost tests?\n" + Describe(r, lines));
        // The only skips are the known qemu-user gaps (Userspace/README.md, "Under qemu-user"), and
        // setuid_drops_root when not run as root.
        string[] skipped = lines.Where(l => l.StartsWith("skip ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[1].TrimEnd(':')).Order(StringComparer.Ordinal).ToArray();
        string[] expected = new[] { "brk_shrink_unmaps", "child_subreaper", "rlimit_as_and_stack" }
            .Concat(Environment.IsPrivilegedProcess ? [] : ["setuid_drops_root"]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, skipped);
    }

    [Fact]
    public void Suite_PassesOnDebianLinuxAsInitsChild()
    {
        string cache = Environment.GetEnvironmentVariable("VIRT_EMULATOR_CACHE") is { Length: > 0 } explicitCache
            ? explicitCache
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "virt-emulator");
        string init = Binary("init"), conform = Binary("conform");
        string linux = Path.Combine(cache, "guest", "Image");
        Assert.True(File.Exists(linux), $"Debian's kernel Image is missing at {linux}; run: bash scripts/setup.sh");

        string dir = Path.Combine(Path.GetTempPath(), $"conform-linux-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string initramfs = Path.Combine(dir, "initramfs.cpio");
            File.WriteAllBytes(initramfs, Newc.Archive(
                Newc.Directory("bin"), Newc.Directory("dev"), Newc.Directory("proc"), Newc.Directory("sys"),
                Newc.Directory("tmp"), Newc.CharDevice("dev/console", 5, 1),
                Newc.Executable("init", File.ReadAllBytes(init)),
                Newc.Executable("bin/conform", File.ReadAllBytes(conform))));
            // Arguments after "--" go to init; "NAME=value" words become its environment.
            Result r = Run(QemuSystem,
                ["-M", "virt", "-cpu", "cortex-a57", "-smp", "2", "-m", "1024", "-nographic", "-nic", "none", "-no-reboot",
                 "-kernel", linux, "-initrd", initramfs,
                 "-append", "console=ttyAMA0 quiet panic=-1 rdinit=/init CONFORM_TIMEOUT=60 -- conform"],
                null, RunTimeout);
            string[] lines = Lines(r.Stdout);
            string[] suite = lines.TakeWhile(l => !l.StartsWith("init: /bin/conform ", StringComparison.Ordinal)).ToArray();
            Assert.True(suite.Length > 0, "no output from the guest\n" + Describe(r, lines));
            var (passed, failed) = Summary(suite, r);
            Assert.True(failed == 0, $"{failed} conformance tests failed on Linux\n" + Describe(r, lines));
            Assert.DoesNotContain(suite, l => l.StartsWith("skip ", StringComparison.Ordinal));
            Assert.True(passed >= 150, $"only {passed} tests passed\n" + Describe(r, lines));
            Assert.Contains("init: /bin/conform exited 0", lines);
            Assert.False(r.TimedOut, "the guest did not power off\n" + Describe(r, lines));
            Assert.Equal(0, r.ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void RunnerSelfTests_EachFailureIsOneFailedTest()
    {
        // A failed check, a crash, a hang (1 s timeout) and a check failed in a grandchild: 4 failures,
        // each reported with what happened, and the runner goes on to the end.
        Result r = RunConformUnderQemuUser("selftest_check_fails", "selftest_crash", "selftest_hang", "selftest_grandchild_fails");
        string[] lines = Lines(r.Stdout);
        Assert.Equal("0 passed, 4 failed", lines[^1]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(lines, l => l.StartsWith("FAIL selftest_check_fails: ", StringComparison.Ordinal) && l.Contains("1 + 1 is 2"));
        Assert.Contains(lines, l => l.StartsWith("FAIL selftest_crash: killed by signal 11", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("FAIL selftest_hang: timed out after 1 s", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("FAIL selftest_grandchild_fails: ", StringComparison.Ordinal) && l.Contains("reported from a grandchild"));
    }

    [Fact]
    public void Filters_SelectTestsByName()
    {
        Result list = RunConformUnderQemuUser("-l", "pipe_");
        string[] names = Lines(list.Stdout);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("pipe_read_write", names);
        Assert.All(names, n => Assert.Contains("pipe_", n));
        Assert.DoesNotContain(names, n => n.StartsWith("selftest_", StringComparison.Ordinal));

        // Selected tests run in the suite's order (t_misc.c before t_proc.c), not the arguments' order.
        Result run = RunConformUnderQemuUser("getpid_getppid_gettid", "uname_linux");
        string[] lines = Lines(run.Stdout);
        Assert.Equal(new[] { "ok uname_linux_aarch64", "ok getpid_getppid_gettid", "2 passed, 0 failed" }, lines);
        Assert.Equal(0, run.ExitCode);
    }

    /// <summary>A minimal writer of cpio "newc" archives, as the Linux initramfs reads them.</summary>
    private static class Newc
    {
        public sealed record Entry(string Name, uint Mode, byte[] Data, uint RdevMajor = 0, uint RdevMinor = 0);

        public static Entry Directory(string name) => new(name, 0x4000 | 0x1ed, []);
        public static Entry Executable(string name, byte[] data) => new(name, 0x8000 | 0x1ed, data);
        public static Entry CharDevice(string name, uint major, uint minor) => new(name, 0x2000 | 0x180, [], major, minor);

        public static byte[] Archive(params Entry[] entries)
        {
            var stream = new MemoryStream();
            uint ino = 1;
            foreach (Entry e in entries.Append(new Entry("TRAILER!!!", 0, [])))
            {
                uint nlink = (e.Mode & 0xf000) == 0x4000 ? 2u : 1u;
                uint[] fields = [ino++, e.Mode, 0, 0, nlink, 0, (uint)e.Data.Length, 0, 0, e.RdevMajor, e.RdevMinor,
                    (uint)Encoding.ASCII.GetByteCount(e.Name) + 1, 0];
                var header = new StringBuilder("070701");
                foreach (uint f in fields)
                    header.Append(f.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
                stream.Write(Encoding.ASCII.GetBytes(header.ToString()));
                stream.Write(Encoding.ASCII.GetBytes(e.Name + "\0"));
                Pad(stream);
                stream.Write(e.Data);
                Pad(stream);
            }
            return stream.ToArray();
        }

        private static void Pad(MemoryStream stream)
        {
            while (stream.Length % 4 != 0)
                stream.WriteByte(0);
        }
    }
}
