using System.Text.RegularExpressions;

namespace Kernel.Tests;

/// <summary>
/// Debian's own userland on our kernel: the kernel boots with the set-up's Debian image
/// (disk-images/build-debian.sh: bookworm's bash, coreutils, grep, sed, gawk, findutils, tar, gzip,
/// less, procps and python3.11, dynamically linked against glibc) as its root disk, busybox init
/// starts root's login shell, bash, on the console, and a person types commands. The same commands
/// run on the host under qemu-aarch64-static with the image's files as the sysroot (Linux's system
/// calls, emulated in user mode) must print the same.
/// </summary>
public abstract class DebianImageTests : IClassFixture<DebianGuestRoot>, IDisposable
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);
    private readonly DebianGuestRoot _root;
    private readonly BootMachine _machineKind;
    private readonly string _folder;
    private QemuMachine? _machine;

    protected DebianImageTests(DebianGuestRoot root, BootMachine machine)
    {
        _root = root;
        _machineKind = machine;
        _folder = Path.Combine(Path.GetTempPath(), $"debian-image-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
    }

    public void Dispose()
    {
        _machine?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Boots a copy of the image as vda and waits for bash's prompt after the login banner.</summary>
    private QemuMachine Boot()
    {
        string image = DebianGuestRoot.CopyOfImage(_folder);
        _machine = new QemuMachine(_machineKind, "console=ttyAMA0 root=/dev/vda rw", "1G",
            "-device", "virtio-rng-device",
            "-drive", $"file={image},format=raw,if=none,id=root",
            "-device", "virtio-blk-device,drive=root,serial=root");
        _machine.StartedWith(m =>
        {
            m.WaitFor(@"^Its recipe is disk-images/build-debian\.sh", BootTimeout);
            // Readline's bracketed-paste mode frames every prompt with escape sequences: off, for plain output.
            Run("bind 'set enable-bracketed-paste off'");
        });
        return _machine;
    }

    /// <summary>
    /// The kernel's own line when a program makes a system call it does not have (once per call, on the
    /// console): not the program's output, so it is taken out of what a command printed.
    /// </summary>
    private static readonly Regex KernelMissingSyscall = new(@"^syscall: \w+ \(\d+\) not implemented: ENOSYS\n", RegexOptions.Multiline);

    private string Run(string command, int timeoutSeconds = 120) =>
        KernelMissingSyscall.Replace(_machine!.RunShellCommand(command, TimeSpan.FromSeconds(timeoutSeconds)), "");

    /// <summary>
    /// Runs <paramref name="command"/> in a fresh empty folder, standard error with standard output, both
    /// into a pipe (as on the host: not the console, where ls writes columns and less pages).
    /// </summary>
    private string RunInScratch(string command, int timeoutSeconds = 120) =>
        Run($"rm -rf /tmp/s; mkdir /tmp/s; cd /tmp/s; {{ {command}; }} 2>&1 | cat; cd /", timeoutSeconds);

    private void PowerOff()
    {
        _machine!.SendLine("poweroff");
        Assert.True(_machine.WaitForExit(TimeSpan.FromSeconds(60)), $"the machine did not power off\n{_machine.Output}");
    }

    /// <summary>What python3 prints for <see cref="PythonCheck"/>: sqlite3, threads, json and hashlib at work.</summary>
    private const string PythonResult = """{"sha": "ba7816bf8f01cfea", "squares": [0, 1, 4, 9, 16, 25, 36, 49], "sum": 4950}""";

    private const string PythonCheck =
        "python3 -c 'import json,hashlib,sqlite3,threading; db=sqlite3.connect(\":memory:\"); db.execute(\"create table t(x)\"); " +
        "db.executemany(\"insert into t values(?)\", [(i,) for i in range(100)]); s=db.execute(\"select sum(x) from t\").fetchone()[0]; " +
        "r=[]; ts=[threading.Thread(target=lambda i=i: r.append(i*i)) for i in range(8)]; [t.start() for t in ts]; [t.join() for t in ts]; " +
        "print(json.dumps({\"sum\": s, \"squares\": sorted(r), \"sha\": hashlib.sha256(b\"abc\").hexdigest()[:16]}, sort_keys=True))'";

    [Fact]
    public void RootsLoginShellIsBash_AndDebiansToolsAndPythonWork()
    {
        Boot();
        Assert.Matches(@"^GNU bash, version 5\.2\.15\(1\)-release \(aarch64-unknown-linux-gnu\)", Run("bash --version"));
        Assert.Equal("5.2.15(1)-release", Run("echo $BASH_VERSION").Trim());
        Assert.Contains("/dev/root / ext2 rw", Run("cat /proc/mounts"));

        // Standard error aside: see LsL_ReadsNoExtendedAttributes.
        string listing = Run("ls -l /usr/bin 2>/dev/null | head");
        Assert.StartsWith("total ", listing);
        Assert.Matches(@"(?m)^-rwxr-xr-x 1 root root +\d+ .+ \S+$", listing);
        Assert.Equal("3\n2\n1\n", Run("printf '2\\n3\\n1\\n' | sort -rn"));
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n", Run("printf abc | sha256sum"));
        Assert.Equal("100 100 292\n", Run("seq 1 100 | wc -lwc | tr -s ' ' | sed 's/^ //'"));
        Assert.Equal("19\n", Run("seq 1 100 | grep -c 7"));
        Assert.Equal("hell0 w0rld\n", Run("echo hello world | sed 's/o/0/g'"));
        Assert.Equal("5050\n", Run("seq 1 100 | gawk '{s+=$1} END {print s}'"));
        Assert.Equal("/usr/bin/python3.11\n", Run("find / -xdev -name 'python3.11' -type f -perm -u+x | head -n 3"));
        Assert.Equal("./\n./a/\n./a/b.txt\n", RunInScratch("mkdir -p d/a; echo x > d/a/b.txt; tar cz -C d . | tar tz | sort"));
        Assert.Equal("ok\n", RunInScratch("seq 1 5000 > n; cp n m; gzip -9 n; test -f n.gz && gunzip n.gz && cmp n m && echo ok"));
        Assert.Equal("line\n", Run("echo line | less | cat"));
        string ps = Run("ps -e -o pid,comm");
        Assert.Matches(@"(?m)^\s+1 init$", ps);
        Assert.Matches(@"(?m)^\s+\d+ bash$", ps);
        Assert.Matches(@"(?m)^\s+\d+ ps$", ps);
        Assert.Equal(PythonResult + "\n", Run(PythonCheck, 300));
        Assert.Equal("root /root /bin/bash -bash\n", Run("echo $(id -un) $HOME $SHELL $0"));
        Assert.Contains("Debian GNU/Linux 12 (bookworm)", Run("cat /etc/os-release"));
        PowerOff();
    }

    /// <summary>
    /// Commands whose output does not depend on the machine (no times, process ids or kernel names),
    /// each run in an empty folder.
    /// </summary>
    private static readonly string[] Script =
    [
        "bash --version | head -n 1; echo $BASH_VERSION; x=(a b c); echo ${#x[@]} ${x[1]}; declare -A m=([k]=v); echo ${m[k]} $((7 * 6)); printf '%05d|%-4s|%x\\n' 42 ab 255",
        "for i in 1 2 3; do echo $i; done | tac; f() { local v=$1; echo \"<$v>\"; }; f 'a b'; echo ${PWD##*/} ${HOME%t}",
        "seq 1 1000 | sort -r | head -n 3; seq 1 1000 | sort -n | tail -n 2; printf 'b\\na\\nc\\nb\\n' | sort -u | tr a-z A-Z; seq 10 | paste -sd+",
        "printf 'hello\\n' > f; sha256sum f; md5sum f; sha1sum f; base64 f; od -c f; stat -c '%s %A %F' f; wc f; cksum f",
        "seq 1 30 | split -l 7 - part.; ls; cat part.ab; expr 3 \\* 7; echo abc | cut -c2-; printf 'x y z\\n' | tr ' ' '\\n' | nl",
        "seq 1 100 | grep -c 7; seq 1 20 | grep -E '^1[0-5]$' | tr '\\n' ' '; echo; printf 'foo\\nbar\\nfoo\\n' | grep -n -v bar",
        "printf 'one two\\nthree four\\nfive\\n' | sed -e 's/o/0/g' -e '2d'; seq 5 | sed -n '2,4p'; echo abc | sed -E 's/(a)(b)/\\2\\1/'",
        "seq 1 100 | gawk '{s+=$1} END {print s}'; gawk 'BEGIN { printf \"%.5f\\n\", atan2(0, -1); print toupper(\"x\"), length(\"abc\"), substr(\"hello\", 2, 3); split(\"a:b:c\", p, \":\"); print p[3] }'",
        "printf 'k1 3\\nk2 5\\nk1 4\\n' | gawk '{ s[$1] += $2 } END { n = asorti(s, k); for (i = 1; i <= n; i++) print k[i], s[k[i]] }'",
        "mkdir -p t/a/b t/c; touch t/a/b/x.txt t/a/y.txt t/c/z.log; find t -name '*.txt' | sort; find t -type d | sort; find t -name '*.log' -exec echo found {} \\;",
        "mkdir p; seq 1 500 > p/n; echo hi > p/h; tar czf a.tgz -C p .; tar tzf a.tgz | sort; mkdir q; tar xzf a.tgz -C q; cmp p/n q/n && echo same",
        "seq 1 2000 > g; gzip -9 g; ls; gzip -l g.gz | tail -n 1 | tr -s ' '; gunzip g.gz; wc -c g; gzip -c g | gunzip | md5sum; echo text | gzip | zcat",
        "echo line | less; printf 'a\\nb\\n' > f; less f",
        "id; id -un; getent passwd root; readlink /bin /lib; ls /etc/ld.so.cache; echo $HOME",
        PythonCheck,
        "python3 -c 'import sys, os, re, collections, itertools, decimal, fractions, zlib, bz2, lzma, base64, struct, datetime; " +
            "print(sys.version_info[:3], re.sub(r\"(\\w+)\", r\"<\\1>\", \"a b\"), collections.Counter(\"hello\").most_common(1), " +
            "list(itertools.permutations(\"ab\")), decimal.Decimal(1) / 7, fractions.Fraction(3, 6), zlib.crc32(b\"x\"), " +
            "len(bz2.compress(b\"a\" * 1000)) < 100, lzma.decompress(lzma.compress(b\"q\")), base64.b64encode(b\"hi\"), " +
            "struct.pack(\"<I\", 1), datetime.date(2024, 2, 29).isoformat(), os.path.join(\"a\", \"b\"))'",
        "python3 -c 'import subprocess, tempfile, os; d = tempfile.mkdtemp(); open(os.path.join(d, \"f\"), \"w\").write(\"x\\n\"); " +
            "print(subprocess.run([\"cat\", os.path.join(d, \"f\")], capture_output=True, text=True).stdout.strip(), sorted(os.listdir(d)))'",
    ];

    /// <summary>
    /// ls -l asks for each file's ACL (lgetxattr, getxattr "system.posix_acl_access"): Linux answers
    /// ENODATA or EOPNOTSUPP, which ls takes as "none" (our kernel: EOPNOTSUPP, as a file system without
    /// xattr support); ENOSYS would make ls report an error ("ls: /usr/bin: Function not implemented").
    /// </summary>
    [Fact]
    public void LsL_ReadsNoExtendedAttributes()
    {
        Boot();
        Assert.Equal("", Run("ls -l /usr/bin 2>&1 >/dev/null"));
    }

    /// <summary>
    /// bash's process substitution hands a program /dev/fd/63, which rcS links to /proc/self/fd as udev
    /// does; opening /proc/self/fd/N of a pipe opens the same pipe (Linux's pipefs inode; ours: a FIFO
    /// inode made for the pipe on first use).
    /// </summary>
    [Fact]
    public void ProcessSubstitution_OpensThePipeThroughDevFd()
    {
        Boot();
        Assert.Equal("same\n", RunInScratch("diff <(seq 1 5) <(seq 1 5) && echo same"));
    }

    /// <summary>
    /// df reads /proc/self/mountinfo, then /etc/mtab (-> /proc/self/mounts, as on Debian); our kernel has
    /// /proc/PID/mounts (no mountinfo), which df then reads.
    /// </summary>
    [Fact]
    public void Df_ReadsTheTableOfMounts()
    {
        Boot();
        Assert.Matches(@"^/dev/root\s+\d+\s+\d+\s+\d+\s+\d+% /\n$", RunInScratch("df / | tail -n 1"));
    }

    /// <summary>
    /// Python's multiprocessing queues and pools use POSIX named semaphores (sem_open: a 32-byte file in
    /// /dev/shm mapped MAP_SHARED). Our kernel once gave a MAP_SHARED mapping of a file shorter than a page a
    /// private copy, not shared with a forked child, so the semaphore's count went wrong ("semaphore or lock
    /// released too many times", and Pool workers read the task pipe at the same time).
    /// </summary>
    [Fact]
    public void PythonMultiprocessingQueue_SharesItsSemaphoreWithChildren()
    {
        Boot();
        Assert.Equal("[0, 1, 2, 3]\n", RunInScratch(
            "python3 -c 'import multiprocessing as mp; q=mp.Queue(); ps=[mp.Process(target=q.put, args=(i,)) for i in range(4)]; " +
            "[p.start() for p in ps]; print(sorted(q.get() for _ in ps)); [p.join() for p in ps]'", 300));
    }

    /// <summary>
    /// procps 4's top, free, uptime and vmstat: top needs a terminal description even in batch mode (the
    /// image carries ncurses-base, Essential in Debian) and /proc/stat, meminfo, loadavg, uptime and every
    /// /proc/PID/stat and statm; vmstat needs /proc/vmstat.
    /// </summary>
    [Fact]
    public void ProcpsTools_ReadTheSystemsState()
    {
        Boot();
        string top = RunInScratch("top -b -n 1 | head -n 30");
        Assert.Matches(@"^top - \d\d:\d\d:\d\d up .* load average: ", top);
        Assert.Matches(@"(?m)^Tasks: +\d+ total, +\d+ running", top);
        Assert.Matches(@"(?m)^MiB Mem : +\d+\.\d total", top);
        Assert.Matches(@"(?m)^ +PID USER +PR +NI +VIRT +RES +SHR S +%CPU +%MEM +TIME\+ COMMAND$", top);
        Assert.Matches(@"(?m)^ +\d+ root +20 +0 .* R .* top$", top);
        Assert.Matches(@"(?m)^Mem: +\d+ +\d+ +\d+ ", RunInScratch("free"));
        Assert.Matches(@"^ \d\d:\d\d:\d\d up .* load average: \d+\.\d\d, ", RunInScratch("uptime"));
        Assert.Matches(@"(?m)^ r  b +swpd +free .*\n +\d+ +\d+ +\d+ +\d+ ", RunInScratch("vmstat"));
    }

    [Fact]
    public void AScriptOfCommands_PrintsWhatItPrintsUnderQemuUser()
    {
        string[] expected = Script.Select(_root.RunOnHost).ToArray();
        Boot();
        var differences = new List<string>();
        for (int i = 0; i < Script.Length; i++)
        {
            string actual = RunInScratch(Script[i], 300);
            if (actual != expected[i])
                differences.Add($"$ {Script[i]}\n--- under qemu-aarch64-static:\n{expected[i]}--- on our kernel:\n{actual}");
        }
        Assert.True(differences.Count == 0, $"{differences.Count} of {Script.Length} commands differ:\n\n{string.Join("\n\n", differences)}");
        PowerOff();
    }
}

[Collection("Qemu")]
public class DebianImageTestsOnQemu(DebianGuestRoot root) : DebianImageTests(root, BootMachine.Qemu);

[Collection("Emulator")]
public class DebianImageTestsOnEmulator(DebianGuestRoot root) : DebianImageTests(root, BootMachine.Emulator);
