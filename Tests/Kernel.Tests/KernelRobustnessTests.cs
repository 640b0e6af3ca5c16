using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Kernel.Tests;

/// <summary>
/// The kernel under abuse from user space, as a person at the console sees it: a program that
/// dereferences NULL, a fork bomb held by RLIMIT_NPROC, 10,000 fork/exec/wait cycles (free memory
/// must come back exactly), bad pointers passed to system calls, and the whole conformance suite run
/// as init's child. Our kernel boots Debian's busybox with the small programs of Userspace/tools
/// (nullderef, forkbomb, spawnloop, badptr); the test types on the console. After each abuse the
/// system must still answer. What each check expects is Linux's behaviour:
/// <see cref="KernelRobustnessOnDebianLinux"/> runs the same command lines on Debian's arm64 Linux.
/// </summary>
public abstract class KernelRobustnessTests : IClassFixture<RobustnessGuestRoot>, IDisposable
{
    private readonly RobustnessGuestRoot _root;
    private readonly BootMachine _machine;
    private readonly ITestOutputHelper _log;
    private QemuMachine? _shell;

    protected KernelRobustnessTests(RobustnessGuestRoot root, BootMachine machine, ITestOutputHelper log)
    {
        _root = root;
        _machine = machine;
        _log = log;
    }

    public void Dispose() => _shell?.Dispose();

    /// <summary>The machine running busybox's shell on the console, booted at first use.</summary>
    protected QemuMachine Shell
    {
        get
        {
            if (_shell == null)
            {
                _shell = new QemuMachine(_machine, "", "512M", "-initrd", _root.Initramfs);
                _shell.WaitFor(@"^system test shell ready$", TimeSpan.FromSeconds(60));
            }
            return _shell;
        }
    }

    /// <summary>Types <paramref name="command"/> at the shell and returns what it printed.</summary>
    protected string Run(string command, TimeSpan? timeout = null) => Shell.RunShellCommand(command, timeout);

    /// <summary>The system still runs commands: a fork, an exec and console output.</summary>
    private void AssertStillUsable(string after)
    {
        string output;
        try
        {
            output = Run("echo still here; spawnloop 20 >/dev/null && echo spawned", TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw new Xunit.Sdk.XunitException($"the system stopped answering after {after}:\n{e.Message}");
        }
        Assert.True(output == "still here\nspawned\n", $"after {after}, 'echo still here; spawnloop 20' printed:\n{output}");
    }

    /// <summary>
    /// Live processes (numeric entries of /proc), counted by the shell itself: a pipeline's own
    /// processes would be counted or not depending on which of them has started.
    /// </summary>
    private int ProcessCount()
    {
        string output = Run("set -- /proc/[0-9]*; echo $#");
        Assert.True(int.TryParse(output.Trim(), out int n), $"counting /proc/[0-9]* printed: {output}");
        return n;
    }

    [Fact]
    public void NullDereference_DiesOfSigsegv_AndTheShellGoesOn()
    {
        string output = Run(RobustnessChecks.NullDerefCommand);
        RobustnessChecks.NullDeref(output, _machine.Name);
        // Reaped, not left behind as a zombie or a stuck process.
        Assert.Equal("0\n", Run("ps | grep -c '[n]ullderef'; true"));
        AssertStillUsable("a NULL dereference");
    }

    [Fact]
    public void ForkBomb_HeldByRlimitNproc_FailsWithEagain_AndTheSystemStaysUsable()
    {
        int before = ProcessCount();
        // The limit as Linux counts it (this process included), then a bigger bomb of the same kind.
        foreach (int limit in new[] { 16, 128 })
        {
            string output = Run(RobustnessChecks.ForkBombCommand(limit), TimeSpan.FromSeconds(120));
            RobustnessChecks.ForkBomb(output, limit, _machine.Name);
        }
        int after = ProcessCount();
        Assert.True(after == before, $"{before} processes before the fork bombs, {after} after:\n{Run("ps")}");
        AssertStillUsable("the fork bombs");
    }

    [Fact]
    public void ForkExecWait_TenThousandTimes_LeavesFreeMemoryWhereItWas()
    {
        // The same command line first as a warm-up: the shell's own first-touch pages, the heap's
        // size-class pages and the page tables the loop needs are in place before the measurement.
        // From then on nothing may be kept: the kernel has no page cache (tmpfs files do not change
        // here), so every page a fork, exec or exit takes must be back once the child is reaped.
        const int WarmUp = 1000, Spawns = 10_000;
        static string Command(int n) => $"grep MemFree /proc/meminfo; spawnloop {n}; echo rc=$?; grep MemFree /proc/meminfo";
        var started = System.Diagnostics.Stopwatch.StartNew();
        string warm = Run(Command(WarmUp), TimeSpan.FromMinutes(2));
        Assert.Contains("rc=0\n", warm);
        string output = Run(Command(Spawns), TimeSpan.FromMinutes(4));
        _log.WriteLine($"{_machine.Name}: warm-up and measurement took {started.Elapsed.TotalSeconds:F1} s\n{warm}{output}");

        Match loop = Regex.Match(output, @"^spawnloop: (\d+) spawns of \S+ in ([\d.]+) s", RegexOptions.Multiline);
        Assert.True(loop.Success && output.Contains("rc=0\n"), $"spawnloop {Spawns} failed:\n{output}");
        long[] free = Regex.Matches(output, @"^MemFree:\s+(\d+) kB$", RegexOptions.Multiline)
            .Select(m => long.Parse(m.Groups[1].Value)).ToArray();
        Assert.True(free.Length == 2, $"expected two MemFree lines:\n{output}");
        long lost = free[0] - free[1];
        Assert.True(lost == 0,
            $"MemFree was {free[0]} kB before {Spawns} fork+execve+waitpid cycles and {free[1]} kB after: " +
            $"{lost} kB ({lost * 1024.0 / Spawns:F1} bytes per cycle) {(lost > 0 ? "not given back (a leak)" : "more than before")}\n{warm}{output}");
        AssertStillUsable($"{Spawns} spawns");
    }

    [Fact]
    public void Threads_TenThousandCreatedAndJoined_LeaveFreeMemoryWhereItWas()
    {
        // As for processes above: a warm-up first, then every page and object a thread takes (its
        // kernel stack, its task, its user stack mapping) must be back once it has been joined.
        const int WarmUp = 1000, Cycles = 10_000;
        static string Command(int n) => $"grep MemFree /proc/meminfo; threadloop create {n}; echo rc=$?; grep MemFree /proc/meminfo";
        string warm = Run(Command(WarmUp), TimeSpan.FromMinutes(2));
        Assert.Contains("rc=0\n", warm);
        string output = Run(Command(Cycles), TimeSpan.FromMinutes(4));
        _log.WriteLine($"{_machine.Name}:\n{warm}{output}");
        Assert.True(Regex.IsMatch(output, @"^threadloop: 10000 create in ", RegexOptions.Multiline) && output.Contains("rc=0\n"),
            $"threadloop create {Cycles} failed:\n{output}");
        long[] free = Regex.Matches(output, @"^MemFree:\s+(\d+) kB$", RegexOptions.Multiline)
            .Select(m => long.Parse(m.Groups[1].Value)).ToArray();
        Assert.True(free.Length == 2, $"expected two MemFree lines:\n{output}");
        Assert.True(free[0] == free[1],
            $"MemFree was {free[0]} kB before {Cycles} thread create/join cycles and {free[1]} kB after ({free[0] - free[1]} kB lost)\n{warm}{output}");
        AssertStillUsable($"{Cycles} threads");
    }

    [Fact]
    public void Ptys_AThousandPairsOpenedAndClosed_LeaveTheKernelHeapWhereItWas()
    {
        // Each pair is a line discipline, an 8 KiB queue, the slave's object, a /dev/pts node and the
        // files: all of it must be freed when both ends close (Slab is the kernel heap in use).
        static string Command(int n) => $"grep Slab /proc/meminfo; ptyloop {n}; echo rc=$?; grep Slab /proc/meminfo";
        string warm = Run(Command(100), TimeSpan.FromMinutes(1));
        Assert.Contains("rc=0\n", warm);
        string output = Run(Command(1000), TimeSpan.FromMinutes(2));
        _log.WriteLine($"{_machine.Name}:\n{warm}{output}");
        Assert.True(output.Contains("rc=0\n") && output.Contains("ptyloop: 1000 pairs"), $"ptyloop 1000 failed:\n{output}");
        long[] slab = Regex.Matches(output, @"^Slab:\s+(\d+) kB$", RegexOptions.Multiline).Select(m => long.Parse(m.Groups[1].Value)).ToArray();
        Assert.True(slab.Length == 2, $"expected two Slab lines:\n{output}");
        Assert.True(slab[0] == slab[1], $"Slab was {slab[0]} kB before 1,000 pty pairs and {slab[1]} kB after\n{warm}{output}");
        Assert.Equal("", Run("ls /dev/pts | grep -v ptmx; true"));
        AssertStillUsable("1,000 pty pairs");
    }

    [Fact]
    public void BadPointers_GiveEfault_AndTheProcessGoesOn()
    {
        string output = Run(RobustnessChecks.BadPtrCommand);
        RobustnessChecks.BadPtr(output, _machine.Name);
        AssertStillUsable("system calls with bad pointers");
    }

    /// <summary>
    /// sysfuzz (Userspace/tools/sysfuzz.c): unprivileged children make random system calls with
    /// hostile arguments. The kernel must not panic or hang, every process must be gone afterwards,
    /// and, once a first run has put the kernel's own structures in place, a second run with another
    /// seed must give back every page it took (files it wrote are removed in between).
    /// </summary>
    [Fact]
    public void RandomSystemCalls_FromUnprivilegedChildren_LeaveTheKernelRunning()
    {
        int before = ProcessCount();
        var started = System.Diagnostics.Stopwatch.StartNew();
        const string MemFree = "grep MemFree /proc/meminfo";
        string warm = Run($"{RobustnessChecks.SysFuzzCommand(2, 100)}; rm -rf /tmp/sysfuzz", TimeSpan.FromMinutes(3));
        RobustnessChecks.SysFuzz(warm, 2, 100, _machine.Name);
        string output = Run($"{MemFree}; {RobustnessChecks.SysFuzzCommand(1, 300)}; rm -rf /tmp/sysfuzz; {MemFree}", TimeSpan.FromMinutes(5));
        _log.WriteLine($"{_machine.Name}: {started.Elapsed.TotalSeconds:F1} s\n{warm}{output}");
        RobustnessChecks.SysFuzz(output, 1, 300, _machine.Name);
        long[] free = Regex.Matches(output, @"^MemFree:\s+(\d+) kB$", RegexOptions.Multiline).Select(m => long.Parse(m.Groups[1].Value)).ToArray();
        Assert.True(free.Length == 2 && free[0] == free[1],
            $"on {_machine.Name}, MemFree before and after 300 rounds of random system calls: {string.Join(" kB, ", free)} kB\n{output}");
        int after = ProcessCount();
        Assert.True(after == before, $"{before} processes before the random system calls, {after} after:\n{Run("ps")}");
        AssertStillUsable("random system calls");
    }

    /// <summary>
    /// Tests of the suite that our kernel or machine cannot run yet: none since threads, futexes
    /// (issue 13) and interrupts into spinning user code (issue 12) came; the words would be passed to
    /// the runner as "-WORD" filters.
    /// </summary>
    private static string[] Excluded => [];

    /// <summary>
    /// Userspace/bin/conform as the test init's child (as Suite_PassesOnDebianLinuxAsInitsChild runs it
    /// on Linux): every test but the excluded ones passes, none is skipped, init reports exit 0 and powers off.
    /// </summary>
    [Fact]
    public void Su_SetsSupplementaryGroups_UsedForPermissions()
    {
        RobustnessChecks.Groups(Run(RobustnessChecks.GroupsCommand), _machine.Name);
        AssertStillUsable("su");
    }

    [Fact]
    public void Proc_RefusesAnotherUsersProcessDetails()
        => RobustnessChecks.ProcPerm(Run(RobustnessChecks.ProcPermCommand), _machine.Name);

    [Fact]
    public void DeepDirectory_GetcwdGivesEnametoolong_AndRmWorksAsOnLinux()
    {
        RobustnessChecks.DeepCwd(Run(RobustnessChecks.DeepCwdCommand, TimeSpan.FromMinutes(4)), _machine.Name);
        AssertStillUsable("a 2,060-level directory");
    }

    [Fact]
    public void SegfaultFlood_UnhandledSignalLinesAreRateLimited()
    {
        RobustnessChecks.SegvFlood(Run(RobustnessChecks.SegvFloodCommand, TimeSpan.FromMinutes(4)), _machine.Name);
        AssertStillUsable("300 segfaults");
    }

    [Fact]
    public void DescriptorLimit_IsLinuxs_AndRaisingItGrowsTheTable()
        => RobustnessChecks.FdLimit(Run(RobustnessChecks.FdLimitCommand, TimeSpan.FromMinutes(2)), _machine.Name);

    [Fact]
    public void ArgumentsAndEnvironment_TakeAQuarterOfTheStackLimit()
        => RobustnessChecks.ArgsLimit(Run(RobustnessChecks.ArgsLimitCommand, TimeSpan.FromMinutes(2)), _machine.Name);

    [Fact]
    public void PageZero_CannotBeMappedByUsers()
    {
        RobustnessChecks.LowMem(Run(RobustnessChecks.LowMemCommand), _machine.Name);
        AssertStillUsable("a PT_LOAD at address 0");
    }

    [Fact]
    public void ConformanceSuite_PassesAsInitsChild()
    {
        string initramfs = _root.ConformInitramfs;
        string[] all = ConformOutput.Lines(HostCommand.Run("/usr/bin/qemu-aarch64-static", [UserspaceGuest.Binary("conform"), "-l"], null,
                                                           TimeSpan.FromSeconds(60)).Stdout);
        string[] expected = all.Where(name => !Excluded.Any(word => name.Contains(word, StringComparison.Ordinal))).ToArray();
        string filters = string.Join(' ', Excluded.Select(word => "-" + word));
        using var machine = new QemuMachine(_machine, $"rdinit=/init CONFORM_TIMEOUT=20 -- conform {filters}", "1024M", "-initrd", initramfs);
        Match done;
        try
        {
            // About 25 s on either machine when no test hangs; a hanging test costs its own
            // timeout (20 s, 30 s for a few). Far longer means the guest itself stopped.
            done = machine.WaitFor(@"^init: /bin/conform (exited \d+|killed by signal \d+)$", TimeSpan.FromMinutes(3));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            string[] seen = ConformOutput.Lines(machine.Output);
            throw new Xunit.Sdk.XunitException(ConformOutput.Describe(
                $"the suite did not finish on {_machine.Name} ({e.Message.Split('\n')[0]}); the runner's own per-test timeout " +
                $"did not fire either, so the guest stopped running it during {RunningTest(seen)}", seen));
        }
        string[] lines = ConformOutput.Lines(machine.Output[..done.Index]);
        // Kernel log lines can come between the suite's lines: take the suite's own.
        string[] suite = lines.Where(l => l.StartsWith("ok ", StringComparison.Ordinal) || l.StartsWith("FAIL ", StringComparison.Ordinal) ||
                                          l.StartsWith("skip ", StringComparison.Ordinal) || ConformOutput.TryParseSummary(l, out _, out _)).ToArray();
        string describe = ConformOutput.Describe($"{_machine.Name}: {done.Value}", lines);
        var (passed, failed) = ConformOutput.Summary(suite, describe);
        _log.WriteLine($"{_machine.Name}: {passed} passed, {failed} failed; excluded: {string.Join(", ", all.Except(expected))}");
        Assert.True(failed == 0, $"{failed} conformance tests failed on our kernel ({_machine.Name})\n" + describe);
        Assert.True(passed == expected.Length, $"{passed} tests passed, {expected.Length} should have run ({all.Length} minus the excluded)\n" + describe);
        Assert.DoesNotContain(suite, l => l.StartsWith("skip ", StringComparison.Ordinal));
        Assert.Equal("init: /bin/conform exited 0", done.Value);
    }

    /// <summary>The test after the last one reported (the suite's order is `conform -l`'s, listed under qemu-user).</summary>
    private static string RunningTest(string[] seen)
    {
        string? last = seen.LastOrDefault(l => l.StartsWith("ok ", StringComparison.Ordinal) || l.StartsWith("FAIL ", StringComparison.Ordinal) ||
                                               l.StartsWith("skip ", StringComparison.Ordinal));
        HostResult list = HostCommand.Run("/usr/bin/qemu-aarch64-static", [UserspaceGuest.Binary("conform"), "-l"], null, TimeSpan.FromSeconds(60));
        string[] names = ConformOutput.Lines(list.Stdout);
        if (last == null)
            return names.Length > 0 ? $"the first test, {names[0]} (or before it)" : "the first test (or before it)";
        string name = last.Split(' ')[1].TrimEnd(':');
        int at = Array.IndexOf(names, name);
        return at >= 0 && at + 1 < names.Length ? $"{names[at + 1]} (the test after '{last.Split(':')[0]}')" : $"the test after '{last.Split(':')[0]}'";
    }

    /// <summary>
    /// 20,480 bytes pasted while the shell is busy (cat starts only after a sleep): Linux keeps them
    /// all, as its 4 KiB line-discipline buffer throttles the port instead of dropping. The kernel stops
    /// draining the UART's FIFO while its buffer is full; both machines' PL011s then hold the host's
    /// input back (QEMU's chardev, our console's reader) until the FIFO has room again.
    /// </summary>
    [Fact]
    public void PastedInput_IsKeptWhole_WhileNothingReadsIt()
    {
        Run("true");
        Shell.SendLine("sleep 3; cat > /tmp/p.txt");
        var text = new System.Text.StringBuilder();
        for (int line = 0; line < 256; line++)
            text.Append($"{line:D5} ").Append('p', 73).Append('\n'); // 80 bytes a line
        Assert.Equal(20480, text.Length);
        Shell.SendRaw(text.ToString());
        Shell.SendRaw("\x04");
        string output;
        try
        {
            output = Run("wc -c </tmp/p.txt; tail -n 1 /tmp/p.txt | cut -c1-5", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"cat never ended: the pasted input (its ^D included) was lost\n{e.Message}");
        }
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 2 && lines[^2].Trim() == "20480" && lines[^1] == "00255",
            $"Linux keeps all 20,480 pasted bytes; cat wrote:\n{output}");
    }
}

[Collection("Qemu")]
public class KernelRobustnessTestsOnQemu(RobustnessGuestRoot root, ITestOutputHelper log)
    : KernelRobustnessTests(root, BootMachine.Qemu, log);

[Collection("Emulator")]
public class KernelRobustnessTestsOnEmulator(RobustnessGuestRoot root, ITestOutputHelper log)
    : KernelRobustnessTests(root, BootMachine.Emulator, log);

/// <summary>
/// The command lines of <see cref="KernelRobustnessTests"/> and what Linux prints for them; each check
/// throws with the output and the reason when the output differs.
/// </summary>
internal static class RobustnessChecks
{
    public const string NullDerefCommand = "nullderef; echo rc=$?";
    public const string BadPtrCommand = "badptr; echo rc=$?";

    /// <summary>ROUNDS unprivileged children making up to 1,000 random system calls each; the seed makes it repeatable.</summary>
    public static string SysFuzzCommand(int seed, int rounds) => $"sysfuzz {seed} {rounds} 1000; echo rc=$?";

    public static string ForkBombCommand(int limit) => $"forkbomb {limit}; echo rc=$?";

    /// <summary>Users root and u (1000), u also in groups g2 (2000) and g3 (3000): what su and id read.</summary>
    private const string Users = "printf 'root:x:0:0:root:/root:/bin/sh\\nu:x:1000:1000::/tmp:/bin/sh\\n' >/etc/passwd; " +
                                 "printf 'root:x:0:\\nu:x:1000:\\ng2:x:2000:u\\ng3:x:3000:u\\n' >/etc/group";

    /// <summary>su sets the supplementary groups (setgroups), id and /proc show them, and they open a group-readable file.</summary>
    public const string GroupsCommand = Users + "; echo secret >/tmp/grp; chown 0:3000 /tmp/grp; chmod 640 /tmp/grp; " +
                                        "su -s /bin/sh u -c 'id; grep Groups /proc/self/status; cat /tmp/grp'; echo rc=$?";

    /// <summary>uid 1000 looks into pid 1's descriptors, directories and mappings (ptrace access checks).</summary>
    public const string ProcPermCommand = Users + "; su -s /bin/sh u -c 'ls /proc/1/fd; readlink /proc/1/cwd; echo cwd=$?; " +
                                          "readlink /proc/1/exe; echo exe=$?; cat /proc/1/maps; echo maps=$?; ls /proc/self/fd >/dev/null && echo self=ok' 2>&1";

    /// <summary>A directory 2,060 levels deep (over 4 KiB of path): getcwd gives ENAMETOOLONG and the shell goes on; rm -rf as Linux.</summary>
    public const string DeepCwdCommand = "sh -c 'cd -P /tmp; n=0; while [ $n -lt 2060 ]; do mkdir -p d; cd -P d || break; n=$((n+1)); done; echo n=$n'; " +
                                         "echo rc=$?; cd /tmp; rm -rf d 2>/dev/null; ls /tmp | grep -c '^d$'";

    /// <summary>300 segfaults: the kernel's "unhandled" lines come at Linux's rate (printk_ratelimit: 10 per 5 s).</summary>
    public const string SegvFloodCommand = "dmesg -n 8 2>/dev/null; s=$(date +%s); sh -c 'i=0; while [ $i -lt 300 ]; do nullderef; i=$((i+1)); done' >/dev/null 2>&1; " +
                                           "echo seconds=$(( $(date +%s) - s )); sleep 1";

    public const string FdLimitCommand = "limits fds";
    public const string ArgsLimitCommand = "limits args";
    public const string LowMemCommand = "limits lowmem 1000";

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static void NullDeref(string output, string where)
    {
        string[] lines = Lines(output);
        string Context() => $"\non {where}, '{NullDerefCommand}' printed:\n{output}";
        Assert.True(lines.Contains("nullderef: reading address 0"), "nullderef did not run" + Context());
        Assert.False(lines.Any(l => l.StartsWith("nullderef: survived", StringComparison.Ordinal)), "reading address 0 did not fault" + Context());
        // busybox ash reports a job killed by a signal with the signal's name, plus " (core dumped)"
        // when the wait status has WCOREDUMP (0x80) set. Linux dumps no core here (RLIMIT_CORE is 0),
        // so the status is plain 11 and the shell prints just the name.
        string[] reports = lines.Where(l => l.StartsWith("Segmentation fault", StringComparison.Ordinal)).ToArray();
        Assert.True(reports.Length == 1, "the shell did not report 'Segmentation fault' (exactly once)" + Context());
        Assert.True(reports[0] == "Segmentation fault",
            $"the shell printed '{reports[0]}', Linux's shell 'Segmentation fault': " +
            (reports[0].Contains("core dumped") ? "the wait status has the core-dump bit 0x80 set, but no core was written" : "") + Context());
        Assert.True(lines.Contains("rc=139"), "the exit status is not 139 (128 + SIGSEGV)" + Context());
    }

    public static void ForkBomb(string output, int limit, string where)
    {
        string expected = $"forkbomb: ok: {limit - 1} forks, then EAGAIN (RLIMIT_NPROC={limit}, uid 54321); all {limit - 1} killed and reaped";
        string[] lines = Lines(output);
        Assert.True(lines.Contains(expected) && lines.Contains("rc=0"),
            $"on {where}, '{ForkBombCommand(limit)}' should print\n{expected}\nrc=0\nbut printed:\n{output}");
    }

    public static void SysFuzz(string output, int seed, int rounds, string where)
    {
        // The kernel's own log lines (calls it does not implement, processes killed by signals) can
        // come between the program's lines on the console.
        string[] lines = Lines(output).Where(l => l.StartsWith("sysfuzz: ", StringComparison.Ordinal) || l.StartsWith("rc=", StringComparison.Ordinal)).ToArray();
        Match summary = lines.Length == 2 && lines[1] == "rc=0"
            ? Regex.Match(lines[0], $@"^sysfuzz: seed {seed}: {rounds} rounds of up to 1000 calls, (?<made>\d+) made; \d+ exited, \d+ killed by signals, \d+ killed after the time limit$")
            : Match.Empty;
        Assert.True(summary.Success, $"on {where}, '{SysFuzzCommand(seed, rounds)}' should print its summary and rc=0, but printed:\n{output}");
        // Children die of what they do to themselves, but most rounds must get well into their calls.
        long made = long.Parse(summary.Groups["made"].Value);
        Assert.True(made >= rounds * 150L, $"on {where}, only {made} random calls were made in {rounds} rounds:\n{output}");
    }

    private static void Expect(string output, string expected, string command, string what, string where)
        => Assert.True(output == expected, $"on {where}, {what}: '{command}' should print (as on Linux)\n{expected}but printed:\n{output}");

    /// <summary>Lines of the program's own, without the kernel's log lines that can come between them.</summary>
    private static string WithoutKernelLog(string output)
        => string.Concat(output.Split('\n').Where(l => l.Length > 0 && !Regex.IsMatch(l, @"^(\[[ \d.]+\] |syscall|.*\[\d+\]: unhandled|show_signal)")).Select(l => l + "\n"));

    public static void Groups(string output, string where)
        => Expect(WithoutKernelLog(output), "uid=1000(u) gid=1000(u) groups=1000(u),2000(g2),3000(g3)\nGroups:\t1000 2000 3000 \nsecret\nrc=0\n",
                  GroupsCommand, "su must set the supplementary groups", where);

    public static void ProcPerm(string output, string where)
        => Expect(WithoutKernelLog(output), "ls: can't open '/proc/1/fd': Permission denied\ncwd=1\nexe=1\ncat: can't open '/proc/1/maps': Permission denied\nmaps=1\nself=ok\n",
                  ProcPermCommand, "another user's /proc/1 details must be refused", where);

    public static void DeepCwd(string output, string where)
        => Expect(WithoutKernelLog(output), "n=2060\nrc=0\n1\n", DeepCwdCommand, "getcwd past 4 KiB must give ENAMETOOLONG (glibc then walks ..)", where);

    public static void SegvFlood(string output, string where)
    {
        Match m = Regex.Match(output, @"^seconds=(\d+)$", RegexOptions.Multiline);
        Assert.True(m.Success, $"on {where}, '{SegvFloodCommand}' did not finish:\n{output}");
        int seconds = int.Parse(m.Groups[1].Value);
        int lines = output.Split('\n').Count(l => l.Contains("unhandled", StringComparison.Ordinal));
        int allowed = RateLimitBurst * (seconds / 5 + 2);
        Assert.True(lines <= allowed, $"on {where}, 300 segfaults in {seconds} s printed {lines} 'unhandled' lines; " +
                                      $"Linux rate-limits them to {RateLimitBurst} per 5 s (at most {allowed}):\n{output}");
    }

    private const int RateLimitBurst = 10;

    public static void FdLimit(string output, string where)
        => Expect(WithoutKernelLog(output), "nofile soft 1024 hard 4096\n  opened 1021, then EMFILE\nraised: soft 4096\n  opened 4093, then EMFILE\ndup2 to 4095: ok\ndup2 to 4096: EBADF\n",
                  FdLimitCommand, "RLIMIT_NOFILE must be Linux's (1024, hard 4096) and raising it must give more descriptors", where);

    public static void ArgsLimit(string output, string where)
        => Expect(WithoutKernelLog(output), "exec with 15 args: ok (1500 KB of strings)\nexec with 25 x 100000 bytes: E2BIG\n",
                  ArgsLimitCommand, "argv and environment may take a quarter of the 8 MB stack limit", where);

    public static void LowMem(string output, string where)
        => Expect(WithoutKernelLog(output), "mmap fixed at 0: EPERM\nmmap fixed at 0x1000: mapped\nmmap hint 0x1000: placed at or above 0x8000\nPT_LOAD at 0: killed by signal 11\n",
                  LowMemCommand, "page 0 must not be mappable by a user (vm.mmap_min_addr 4096)", where);

    public static void BadPtr(string output, string where)
    {
        string[] lines = Lines(output);
        Assert.True(lines.Contains("badptr: ok: 14 calls with bad pointers gave EFAULT") && lines.Contains("rc=0"),
            $"on {where}, system calls with bad pointers did not all fail with EFAULT (or the pipe's data was lost); " +
            $"'{BadPtrCommand}' printed:\n{output}");
    }
}

/// <summary>
/// Proves that <see cref="RobustnessChecks"/> expects Linux's behaviour: Debian's arm64 Linux 6.1 under
/// qemu-system-aarch64 boots the same busybox and tools, its init runs the same command lines (with
/// markers around each) and powers off; each check must hold on that output. A non-interactive shell
/// reports a killed job the same way as the interactive one.
/// </summary>
[Collection("Qemu")]
public class KernelRobustnessOnDebianLinux(RobustnessGuestRoot root)
    : IClassFixture<RobustnessGuestRoot>
{
    private static readonly (string Name, string Command)[] Commands =
    [
        ("nullderef", RobustnessChecks.NullDerefCommand),
        ("forkbomb16", RobustnessChecks.ForkBombCommand(16)),
        ("forkbomb128", RobustnessChecks.ForkBombCommand(128)),
        ("badptr", RobustnessChecks.BadPtrCommand),
        ("spawnloop", "spawnloop 100; echo rc=$?"),
        ("sysfuzz", RobustnessChecks.SysFuzzCommand(1, 100)),
        ("groups", RobustnessChecks.GroupsCommand),
        ("procperm", RobustnessChecks.ProcPermCommand),
        ("deepcwd", RobustnessChecks.DeepCwdCommand),
        ("segvflood", RobustnessChecks.SegvFloodCommand),
        ("fdlimit", RobustnessChecks.FdLimitCommand),
        ("argslimit", RobustnessChecks.ArgsLimitCommand),
        ("lowmem", RobustnessChecks.LowMemCommand),
    ];

    [Fact]
    public void Checks_HoldOnLinux()
    {
        string script = "export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root\n" +
                        string.Concat(Commands.Select(c => $"echo B{c.Name}; {c.Command}; echo E{c.Name}\n")) +
                        "poweroff -f\n";
        string dir = Path.Combine(Path.GetTempPath(), $"robustness-linux-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string initramfs = Path.Combine(dir, "initramfs.cpio");
            File.WriteAllBytes(initramfs, root.BusyboxArchive(script));
            HostResult r = HostCommand.Run("qemu-system-aarch64",
                ["-M", "virt", "-cpu", "cortex-a57", "-smp", "2", "-m", "512", "-nographic", "-nic", "none", "-no-reboot",
                 "-kernel", UserspaceGuest.DebianLinuxImage(), "-initrd", initramfs,
                 "-append", "console=ttyAMA0 quiet panic=-1 rdinit=/init"],
                null, TimeSpan.FromMinutes(3));
            string console = r.Stdout.Replace("\r", "");
            Assert.False(r.TimedOut, $"Linux did not power off:\n{console}");
            string Section(string name)
            {
                Match m = Regex.Match(console, $"^B{name}\n(.*?)^E{name}$", RegexOptions.Multiline | RegexOptions.Singleline);
                Assert.True(m.Success, $"no output for {name} on Linux:\n{console}");
                return m.Groups[1].Value;
            }
            RobustnessChecks.NullDeref(Section("nullderef"), "Linux");
            RobustnessChecks.ForkBomb(Section("forkbomb16"), 16, "Linux");
            RobustnessChecks.ForkBomb(Section("forkbomb128"), 128, "Linux");
            RobustnessChecks.BadPtr(Section("badptr"), "Linux");
            RobustnessChecks.SysFuzz(Section("sysfuzz"), 1, 100, "Linux");
            RobustnessChecks.Groups(Section("groups"), "Linux");
            RobustnessChecks.ProcPerm(Section("procperm"), "Linux");
            RobustnessChecks.DeepCwd(Section("deepcwd"), "Linux");
            RobustnessChecks.SegvFlood(Section("segvflood"), "Linux");
            RobustnessChecks.FdLimit(Section("fdlimit"), "Linux");
            RobustnessChecks.ArgsLimit(Section("argslimit"), "Linux");
            RobustnessChecks.LowMem(Section("lowmem"), "Linux");
            string spawn = Section("spawnloop");
            Assert.Matches(@"^spawnloop: 100 spawns of /bin/true in [\d.]+ s \(\d+ us each\)\nrc=0\n$", spawn);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>
/// The guests' files, built once: Debian's busybox and the tools in /bin, an /init script that mounts
/// /proc, /dev, /tmp and /sys and starts a shell on the console (with a controlling terminal), and the
/// conformance guest (Userspace's init and conform).
/// </summary>
public sealed class RobustnessGuestRoot : IDisposable
{
    private static readonly string[] Tools = ["nullderef", "forkbomb", "spawnloop", "badptr", "sysfuzz", "limits", "ptyloop", "threadloop"];
    private readonly byte[] _busybox;
    private readonly string _directory;
    private readonly object _lock = new();
    private string? _conformInitramfs;

    public RobustnessGuestRoot()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"robustness-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        _busybox = UserspaceGuest.DebianBusybox();
        Initramfs = Path.Combine(_directory, "shell.cpio");
        File.WriteAllBytes(Initramfs, BusyboxArchive("""
            export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root PS1='# '
            echo system test shell ready
            setsid cttyhack sh
            poweroff -f
            """));
    }

    /// <summary>The initramfs whose /init starts an interactive shell on the console.</summary>
    public string Initramfs { get; }

    /// <summary>The initramfs with Userspace's init as /init and the suite as /bin/conform.</summary>
    public string ConformInitramfs
    {
        get
        {
            lock (_lock)
            {
                if (_conformInitramfs == null)
                {
                    string path = Path.Combine(_directory, "conform.cpio");
                    File.WriteAllBytes(path, Newc.Archive(
                        Newc.Directory("bin"), Newc.Directory("dev"), Newc.Directory("proc"), Newc.Directory("sys"),
                        Newc.Directory("tmp"), Newc.CharDevice("dev/console", 5, 1),
                        Newc.Executable("init", File.ReadAllBytes(UserspaceGuest.Binary("init"))),
                        Newc.Executable("bin/conform", File.ReadAllBytes(UserspaceGuest.Binary("conform")))));
                    _conformInitramfs = path;
                }
                return _conformInitramfs;
            }
        }
    }

    /// <summary>
    /// busybox, the tools and an /init script: busybox's applets installed as links, proc, devtmpfs,
    /// tmpfs and sysfs mounted, then <paramref name="script"/>.
    /// </summary>
    public byte[] BusyboxArchive(string script)
    {
        string init = "#!/bin/busybox sh\n/bin/busybox --install -s\n" +
                      "mount -t proc proc /proc\nmount -t devtmpfs devtmpfs /dev\nmount -t tmpfs tmpfs /tmp\nmount -t sysfs sysfs /sys\n" +
                      script.Replace("\r", "") + "\n";
        var entries = new List<Newc.Entry>();
        foreach (string d in new[] { "bin", "dev", "etc", "proc", "root", "sbin", "sys", "tmp", "usr", "usr/bin", "usr/sbin" })
            entries.Add(Newc.Directory(d));
        entries.Add(Newc.CharDevice("dev/console", 5, 1));
        entries.Add(Newc.Executable("init", System.Text.Encoding.ASCII.GetBytes(init)));
        entries.Add(Newc.Executable("bin/busybox", _busybox));
        foreach (string tool in Tools)
            entries.Add(Newc.Executable("bin/" + tool, File.ReadAllBytes(UserspaceGuest.Binary(tool))));
        return Newc.Archive(entries.ToArray());
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, true); } catch (IOException) { }
    }
}
