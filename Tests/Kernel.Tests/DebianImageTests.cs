using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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

    /// <summary>The copy of the image the machine boots from (in the test's own folder).</summary>
    private string Image => Path.Combine(_folder, "debian.ext2");

    /// <summary>
    /// Boots a copy of the image as vda and waits for bash's prompt after the login banner; with
    /// <paramref name="network"/>, a virtio-net card on user-mode networking too, and waits for the kernel's lease.
    /// </summary>
    private QemuMachine Boot(bool network = false)
    {
        string image = DebianGuestRoot.CopyOfImage(_folder);
        string[] options = ["-device", "virtio-rng-device",
            "-drive", $"file={image},format=raw,if=none,id=root",
            "-device", "virtio-blk-device,drive=root,serial=root"];
        if (network)
            options = [.. options, "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0"];
        _machine = new QemuMachine(_machineKind, "console=ttyAMA0 root=/dev/vda rw", "1G", options);
        _machine.StartedWith(m =>
        {
            m.WaitFor(@"^Its recipe is disk-images/build-debian\.sh", BootTimeout);
            if (network)
                m.WaitFor(@"eth0: 10\.0\.2\.15/24 via DHCP from 10\.0\.2\.2$", BootTimeout);
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
    /// Python's concurrent.futures (a thread pool, and a process pool: fork, pipes and named semaphores)
    /// and its socket module: TCP and UDP over the loopback, an AF_UNIX socket pair, and an HTTP request to
    /// the host through user-mode networking (10.0.2.2 is the host's loopback).
    /// </summary>
    [Fact]
    public void PythonConcurrentFuturesAndSockets_Work()
    {
        const string Script = """
            import concurrent.futures as cf, hashlib, socket, sys, threading, urllib.request

            def digest(i):
                return hashlib.sha256(str(i).encode()).hexdigest()[:8]

            def square(i):
                return i * i

            with cf.ThreadPoolExecutor(max_workers=4) as pool:
                digests = list(pool.map(digest, range(6)))
            with cf.ProcessPoolExecutor(max_workers=2) as pool:
                squares = sum(pool.map(square, range(100)))

            server = socket.create_server(("127.0.0.1", 0))
            def echo():
                conn, _ = server.accept()
                with conn:
                    while data := conn.recv(4096):
                        conn.sendall(data.upper())
            t = threading.Thread(target=echo)
            t.start()
            with socket.create_connection(server.getsockname()) as c:
                c.sendall(b"x" * 100000)
                c.shutdown(socket.SHUT_WR)
                echoed = b""
                while chunk := c.recv(65536):
                    echoed += chunk
            t.join()

            receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            receiver.bind(("127.0.0.1", 0))
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"datagram", receiver.getsockname())
            a, b = socket.socketpair()
            a.sendall(b"unix")
            page = urllib.request.urlopen(sys.argv[1], timeout=30).read().decode().strip()
            print(digests, squares, echoed == b"X" * 100000, receiver.recv(100), b.recv(100), page)
            """;
        string token = Guid.NewGuid().ToString("N")[..12];
        using var server = new OneShotHttpServer($"page {token}\n");
        Boot(network: true);
        string encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(Script));
        Run($"echo {encoded} | base64 -d > /tmp/futures.py");
        string digests = string.Join(", ", Enumerable.Range(0, 6).Select(i =>
            $"'{Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture))))[..8]}'"));
        Assert.Equal($"[{digests}] 328350 True b'datagram' b'unix' page {token}\n",
            RunInScratch($"python3 /tmp/futures.py http://10.0.2.2:{server.Port}/page", 300));
        Assert.StartsWith("GET /page HTTP/1.1\r\n", server.Request(TimeSpan.FromSeconds(10)));
        PowerOff();
    }

    /// <summary>
    /// Python's mmap module writes a file on the ext2 root through a MAP_SHARED mapping: with msync
    /// (mmap.flush) and without (the mapping dropped, then sync). Another process reads the new bytes at
    /// once, the size stays as it was (the page's tail past the end is not written), and after poweroff the
    /// image holds them and e2fsck finds it clean.
    /// </summary>
    [Fact]
    public void WritesThroughASharedMapping_ReachTheDisk()
    {
        Boot();
        Run("python3 -c 'import mmap; f=open(\"/root/synced\",\"w+b\"); f.write(b\".\"*10000); f.flush(); m=mmap.mmap(f.fileno(), 0); " +
            "m[5000:5011]=b\"hello ext2!\"; m.flush(); m.close(); f.close()'");
        Run("python3 -c 'import mmap; f=open(\"/root/unsynced\",\"w+b\"); f.write(b\".\"*10000); f.flush(); m=mmap.mmap(f.fileno(), 0); " +
            "m[9990:10000]=b\"tail write\"; m[0:4]=b\"head\"; del m; f.close()'; sync");
        Assert.Equal("hello ext2! 10000\n", Run("echo $(dd if=/root/synced bs=1 skip=5000 count=11 2>/dev/null) $(stat -c %s /root/synced)"));
        Assert.Equal("head tail write 10000\n", Run("echo $(head -c 4 /root/unsynced) $(tail -c 10 /root/unsynced) $(stat -c %s /root/unsynced)"));
        PowerOff();

        DebianGuestRoot.Run("e2fsck", null, "-fn", Image);
        byte[] synced = Dump("/root/synced");
        byte[] unsynced = Dump("/root/unsynced");
        Assert.Equal(10000, synced.Length);
        Assert.Equal("hello ext2!", Encoding.ASCII.GetString(synced, 5000, 11));
        Assert.Equal(10000 - 11, synced.Count(b => b == '.'));
        Assert.Equal(10000, unsynced.Length);
        Assert.Equal("head", Encoding.ASCII.GetString(unsynced, 0, 4));
        Assert.Equal("tail write", Encoding.ASCII.GetString(unsynced, 9990, 10));
        Assert.Equal(10000 - 14, unsynced.Count(b => b == '.'));
    }

    /// <summary>A file's bytes as they are on the image after the machine stopped (debugfs dump).</summary>
    private byte[] Dump(string path)
    {
        string copy = Path.Combine(_folder, Path.GetFileName(path) + ".dumped");
        DebianGuestRoot.Run("debugfs", null, "-R", $"dump {path} {copy}", Image);
        Assert.True(File.Exists(copy), $"debugfs could not dump {path}");
        return File.ReadAllBytes(copy);
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
