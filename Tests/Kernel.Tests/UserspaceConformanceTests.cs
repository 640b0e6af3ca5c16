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

    private static string Binary(string name) => UserspaceGuest.Binary(name);

    private static HostResult Run(string file, IEnumerable<string> args, IDictionary<string, string>? environment, TimeSpan timeout) =>
        HostCommand.Run(file, args, environment, timeout);

    /// <summary>Runs the suite under qemu-user. CONFORM_QEMU_USER tells it so (see conform.h).</summary>
    private static HostResult RunConformUnderQemuUser(params string[] args) =>
        Run(QemuUser, new[] { Binary("conform") }.Concat(args),
            new Dictionary<string, string> { ["CONFORM_QEMU_USER"] = QemuUser, ["CONFORM_TIMEOUT"] = "60" }, RunTimeout);

    private static string[] Lines(string text) => ConformOutput.Lines(text);

    private static string Describe(HostResult r, string[] lines) => ConformOutput.Describe(r, lines);

    private static (int Passed, int Failed) Summary(string[] lines, HostResult r) => ConformOutput.Summary(lines, Describe(r, lines));

    [Fact]
    public void Suite_PassesUnderQemuUser()
    {
        HostResult r = RunConformUnderQemuUser();
        string[] lines = Lines(r.Stdout);
        var (passed, failed) = Summary(lines, r);
        Assert.True(failed == 0 && r.ExitCode == 0, $"{failed} conformance tests failed under qemu-user\n" + Describe(r, lines));
        Assert.EndsWith("0 failed", lines[^1]);
        // Every test reported exactly once, and the summary counts them.
        int ok = lines.Count(l => l.StartsWith("ok ", StringComparison.Ordinal));
        Assert.Equal(ok, passed);
        Assert.True(passed >= 150, $"only {passed} tests passed: the suite lost tests?\n" + Describe(r, lines));
        // The only skips are the known qemu-user gaps (Userspace/README.md, "Under qemu-user"), and
        // setuid_drops_root and the two socket tests that switch users, when not run as root.
        string[] skipped = lines.Where(l => l.StartsWith("skip ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[1].TrimEnd(':')).Order(StringComparer.Ordinal).ToArray();
        string[] expected = new[] { "brk_shrink_unmaps", "child_subreaper", "rlimit_as_and_stack", "scm_rights_truncated_control_closes_extra", "no_memory_lost_over_many_sockets", "tcp_no_memory_lost_over_many_connections",
                                    "thread_create_join_loses_no_memory", "posix_timers_lose_no_memory", "robust_mutex_owner_thread_dies", "robust_shared_mutex_owner_process_dies",
                                    "clone3_forks", "proc_task_lists_the_threads", "proc_task_tid_shows_the_thread", "proc_tid_of_a_thread_resolves_but_is_not_listed",
                                    "user_xattrs_on_tmpfs_are_not_supported" }
            .Concat(Environment.IsPrivilegedProcess ? [] : ["setuid_drops_root", "connect_needs_write_permission", "scm_rights_in_flight_limited_per_user"]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, skipped);
    }

    [Fact]
    public void Suite_PassesOnDebianLinuxAsInitsChild()
    {
        string init = Binary("init"), conform = Binary("conform");
        string linux = UserspaceGuest.DebianLinuxImage();

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
            HostResult r = Run(QemuSystem,
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
        HostResult r = RunConformUnderQemuUser("selftest_check_fails", "selftest_crash", "selftest_hang", "selftest_grandchild_fails");
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
        HostResult list = RunConformUnderQemuUser("-l", "pipe_");
        string[] names = Lines(list.Stdout);
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("pipe_read_write", names);
        Assert.All(names, n => Assert.Contains("pipe_", n));
        Assert.DoesNotContain(names, n => n.StartsWith("selftest_", StringComparison.Ordinal));

        // Selected tests run in the suite's order (t_misc.c before t_proc.c), not the arguments' order.
        HostResult run = RunConformUnderQemuUser("getpid_getppid_gettid", "uname_linux");
        string[] lines = Lines(run.Stdout);
        Assert.Equal(new[] { "ok uname_linux_aarch64", "ok getpid_getppid_gettid", "2 passed, 0 failed" }, lines);
        Assert.Equal(0, run.ExitCode);
    }
}
