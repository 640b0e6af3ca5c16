using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Kernel.Tests.Processes;

/// <summary>
/// Real arm64 references for the process tests: Debian's static busybox, small freestanding C
/// programs built with aarch64-linux-gnu-gcc (no libc headers needed: they make system calls
/// themselves), readelf's view of a file and runs under qemu-aarch64-static. A missing tool is a
/// test failure with the package to install, never a skip.
/// </summary>
public static class Arm64Tools
{
    private static readonly object Lock = new();
    private static readonly string CacheDirectory = Path.Combine(Path.GetTempPath(), "kernel-tests-arm64");

    /// <summary>Debian's static arm64 busybox: /tmp/irfs/bin/busybox, else taken from the emulator's guest initramfs.</summary>
    public static string Busybox()
    {
        const string extracted = "/tmp/irfs/bin/busybox";
        if (File.Exists(extracted))
            return extracted;
        string cache = Environment.GetEnvironmentVariable("VIRT_EMULATOR_CACHE") is { Length: > 0 } explicitCache
            ? explicitCache
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "virt-emulator");
        string archive = Path.Combine(cache, "guest", "initramfs.cpio.gz");
        Assert.True(File.Exists(archive), $"no busybox: neither {extracted} nor {archive} exists; run: bash scripts/setup.sh");
        lock (Lock)
        {
            string directory = Path.Combine(CacheDirectory, "initramfs");
            string busybox = Path.Combine(directory, "bin", "busybox");
            if (!File.Exists(busybox))
            {
                Directory.CreateDirectory(directory);
                Run("sh", directory, "-c", $"zcat '{archive}' | cpio -id bin/busybox 2>/dev/null");
            }
            Assert.True(File.Exists(busybox), $"bin/busybox is not in {archive}");
            return busybox;
        }
    }

    /// <summary>Builds <paramref name="source"/> (C) with aarch64-linux-gnu-gcc and <paramref name="flags"/>; cached by content.</summary>
    public static string Compile(string source, string flags)
    {
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(source + "\0" + flags)))[..16];
        lock (Lock)
        {
            Directory.CreateDirectory(CacheDirectory);
            string output = Path.Combine(CacheDirectory, key + ".elf");
            if (File.Exists(output))
                return output;
            string c = Path.Combine(CacheDirectory, key + ".c");
            File.WriteAllText(c, source);
            var args = new List<string>(flags.Split(' ', StringSplitOptions.RemoveEmptyEntries)) { "-o", output + ".tmp", c };
            Run("aarch64-linux-gnu-gcc", CacheDirectory, args.ToArray());
            File.Move(output + ".tmp", output, true);
            return output;
        }
    }

    /// <summary>
    /// Debian's musl headers for arm64 (scripts/setup.sh unpacks musl-dev:arm64 into .deps/musl;
    /// MUSL_DIR overrides): an independent arm64 libc's view of the kernel ABI.
    /// </summary>
    public static string MuslInclude()
    {
        string musl = Environment.GetEnvironmentVariable("MUSL_DIR") is { Length: > 0 } dir ? dir : Path.Combine(RepoRoot(), ".deps", "musl");
        string include = Path.Combine(musl, "usr", "include", "aarch64-linux-musl");
        Assert.True(File.Exists(Path.Combine(include, "signal.h")), $"musl's arm64 headers are missing in {include}; run: bash scripts/setup.sh");
        return include;
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", ".."));

    /// <summary>Builds a freestanding program (its own system calls, no libc code) against musl's arm64 headers.</summary>
    public static string CompileWithMuslHeaders(string source)
    {
        string gccInclude = Run("aarch64-linux-gnu-gcc", null, "-print-file-name=include").Trim();
        return Compile(source, $"-D_GNU_SOURCE -nostdinc -isystem {MuslInclude()} -isystem {gccInclude} -static -nostdlib -O1 -fno-stack-protector");
    }

    /// <summary>Runs a program; fails the test when it cannot start or exits non-zero. Returns its stdout.</summary>
    public static string Run(string program, string? workingDirectory, params string[] args)
    {
        var (exit, stdout, stderr) = RunRaw(program, workingDirectory, args, null);
        Assert.True(exit == 0, $"{program} {string.Join(' ', args)} exited {exit}:\n{stderr}");
        return Encoding.UTF8.GetString(stdout);
    }

    /// <summary>
    /// Runs an arm64 program under qemu-aarch64-static with exactly <paramref name="argv"/> (argv[0]
    /// included) and the environment <paramref name="environment"/> (nothing else).
    /// </summary>
    public static (int Exit, byte[] Stdout) RunArm64(string path, string[] argv, string[] environment, byte[]? stdin = null, string? cpu = null)
    {
        var args = new List<string> { "-0", argv[0] };
        if (cpu != null)
        {
            args.Add("-cpu");
            args.Add(cpu);
        }
        foreach (string e in environment)
        {
            args.Add("-E");
            args.Add(e);
        }
        args.Add(path);
        args.AddRange(argv.Skip(1));
        var (exit, stdout, _) = RunRaw("qemu-aarch64-static", null, args.ToArray(), new Dictionary<string, string>(), stdin);
        return (exit, stdout);
    }

    private static (int Exit, byte[] Stdout, string Stderr) RunRaw(string program, string? workingDirectory, string[] args,
        Dictionary<string, string>? environment, byte[]? stdin = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = stdin != null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args)
            start.ArgumentList.Add(a);
        if (environment != null)
        {
            start.Environment.Clear();
            foreach (var (k, v) in environment)
                start.Environment[k] = v;
        }
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException(program + " did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run {program}: {e.Message} (Debian packages: gcc-aarch64-linux-gnu, binutils-aarch64-linux-gnu, qemu-user-static, cpio)", e);
        }
        using (process)
        {
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            var stdout = new MemoryStream();
            Task copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
            if (stdin != null)
            {
                try
                {
                    process.StandardInput.BaseStream.Write(stdin);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The program exited without reading everything; its output tells the test why.
                }
            }
            if (!process.WaitForExit(60_000))
            {
                process.Kill(true);
                throw new TimeoutException($"{program} {string.Join(' ', args)} took over 60 s");
            }
            copy.Wait();
            return (process.ExitCode, stdout.ToArray(), stderr.Result);
        }
    }

    /// <summary>One program header as readelf -lW prints it.</summary>
    public sealed record ReadElfSegment(string Type, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize, string Flags, ulong Align);

    /// <summary>What readelf -lhW says about a file.</summary>
    public sealed record ReadElfInfo(string Type, ulong Entry, ulong ProgramHeaderOffset, int ProgramHeaderCount, int ProgramHeaderSize,
        List<ReadElfSegment> Segments, string? Interpreter);

    public static ReadElfInfo ReadElf(string path)
    {
        string text = Run("aarch64-linux-gnu-readelf", null, "-lhW", path);
        string Field(string name) => text.Split('\n').First(l => l.TrimStart().StartsWith(name + ":", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        static ulong Hex(string s) => ulong.Parse(s.StartsWith("0x", StringComparison.Ordinal) ? s[2..] : s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        static ulong Number(string s) => ulong.Parse(s.Split(' ')[0], CultureInfo.InvariantCulture);

        var segments = new List<ReadElfSegment>();
        string? interpreter = null;
        bool inTable = false;
        foreach (string line in text.Split('\n'))
        {
            string t = line.Trim();
            if (t.StartsWith("Type ", StringComparison.Ordinal) && t.Contains("Offset", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }
            if (!inTable)
                continue;
            if (t.Length == 0 || t.StartsWith("Section to Segment", StringComparison.Ordinal))
                break;
            if (t.StartsWith("[Requesting program interpreter: ", StringComparison.Ordinal))
            {
                interpreter = t["[Requesting program interpreter: ".Length..^1];
                continue;
            }
            string[] p = t.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string flags = string.Concat(p[6..^1]);
            segments.Add(new ReadElfSegment(p[0], Hex(p[1]), Hex(p[2]), Hex(p[4]), Hex(p[5]), flags, Hex(p[^1])));
        }
        return new ReadElfInfo(Field("Type").Split(' ')[0], Hex(Field("Entry point address")), Number(Field("Start of program headers")),
            (int)Number(Field("Number of program headers")), (int)Number(Field("Size of program headers")), segments, interpreter);
    }
}
