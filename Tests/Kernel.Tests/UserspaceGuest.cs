using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace Kernel.Tests;

/// <summary>
/// What the tests that run Userspace/ programs share: the built binaries (after scripts/setup.sh),
/// Debian's arm64 Linux and busybox from the set-up cache, host commands with a time limit, cpio
/// "newc" archives for initramfs images, and reading the conformance suite's output.
/// </summary>
internal static class UserspaceGuest
{
    private static readonly object SetUpLock = new();
    private static string? s_setUpFailure;
    private static bool s_setUpDone;

    public static readonly TimeSpan SetUpTimeout = TimeSpan.FromMinutes(5);

    public static string RepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "Emulator.sln")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException($"Emulator.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Userspace/bin/NAME, after making sure the set-up (and so the userspace build) is current.</summary>
    public static string Binary(string name)
    {
        string root = RepositoryRoot();
        lock (SetUpLock)
        {
            if (!s_setUpDone)
            {
                HostResult setUp = HostCommand.Run("bash", [Path.Combine(root, "scripts", "setup.sh")], null, SetUpTimeout);
                s_setUpDone = true;
                if (setUp.ExitCode != 0)
                    s_setUpFailure = $"scripts/setup.sh exited {setUp.ExitCode}:\n{setUp.Stderr}{setUp.Stdout}";
            }
        }
        Assert.True(s_setUpFailure == null, s_setUpFailure);
        string path = Path.Combine(root, "Userspace", "bin", name);
        Assert.True(File.Exists(path), $"{path} is missing; run: bash scripts/setup.sh (it runs Userspace/build.sh)");
        return path;
    }

    /// <summary>Debian's arm64 Linux kernel (the default guest's Image from the set-up cache).</summary>
    public static string DebianLinuxImage()
    {
        string linux = Path.Combine(BusyboxGuestRoot.CacheFolder, "guest", "Image");
        Assert.True(File.Exists(linux), $"Debian's kernel Image is missing at {linux}; run: bash scripts/setup.sh");
        return linux;
    }

    /// <summary>Debian's static busybox, read out of the default guest's initramfs (gzip-compressed newc).</summary>
    public static byte[] DebianBusybox()
    {
        string guest = Path.Combine(BusyboxGuestRoot.CacheFolder, "guest", "initramfs.cpio.gz");
        Assert.True(File.Exists(guest), $"the default guest's initramfs is missing at {guest}; run: bash scripts/setup.sh");
        using var gzip = new GZipStream(File.OpenRead(guest), CompressionMode.Decompress);
        var archive = new MemoryStream();
        gzip.CopyTo(archive);
        return Newc.Find(archive.ToArray(), "bin/busybox")
            ?? throw new InvalidOperationException($"bin/busybox is not in {guest}");
    }
}

/// <summary>What a host command did.</summary>
internal sealed record HostResult(int ExitCode, string Stdout, string Stderr, bool TimedOut);

internal static class HostCommand
{
    /// <summary>Runs <paramref name="file"/> with stdin closed; kills it (and its children) after <paramref name="timeout"/>.</summary>
    public static HostResult Run(string file, IEnumerable<string> args, IDictionary<string, string>? environment, TimeSpan timeout)
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
            return new HostResult(exited ? process.ExitCode : -1, stdout.Result, stderr.Result, !exited);
        }
    }
}

/// <summary>Reading the conformance suite's output ("ok NAME", "FAIL NAME: ...", "skip NAME: ...", "N passed, M failed").</summary>
internal static class ConformOutput
{
    public static string[] Lines(string text) =>
        text.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The failing lines and the end of the output, for a failure message.</summary>
    public static string Describe(string header, string[] lines, string stderr = "")
    {
        var sb = new StringBuilder();
        sb.AppendLine(header);
        foreach (string line in lines.Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)))
            sb.AppendLine(line);
        sb.AppendLine("--- last lines ---");
        foreach (string line in lines.TakeLast(15))
            sb.AppendLine(line);
        if (stderr.Length > 0)
            sb.AppendLine("--- stderr (end) ---").AppendLine(stderr[Math.Max(0, stderr.Length - 2000)..]);
        return sb.ToString();
    }

    public static string Describe(HostResult r, string[] lines) =>
        Describe($"exit code {r.ExitCode}{(r.TimedOut ? " (timed out)" : "")}", lines, r.Stderr);

    /// <summary>Parses the closing "N passed, M failed" line: the last line of <paramref name="lines"/>.</summary>
    public static (int Passed, int Failed) Summary(string[] lines, string description)
    {
        Assert.True(lines.Length > 0, "no output\n" + description);
        string last = lines[^1];
        Assert.True(TryParseSummary(last, out int passed, out int failed),
            $"the output does not end with \"N passed, M failed\": \"{last}\"\n" + description);
        return (passed, failed);
    }

    public static bool TryParseSummary(string line, out int passed, out int failed)
    {
        passed = failed = 0;
        string[] words = line.Split(' ');
        return words.Length == 4 && words[1] == "passed," && words[3] == "failed" &&
               int.TryParse(words[0], out passed) && int.TryParse(words[2], out failed);
    }
}

/// <summary>A minimal writer (and finder) of cpio "newc" archives, as the Linux initramfs reads them.</summary>
internal static class Newc
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

    /// <summary>The data of the file <paramref name="name"/> (as stored, without "./") in a newc archive, or null.</summary>
    public static byte[]? Find(byte[] archive, string name)
    {
        int at = 0;
        while (at + 110 <= archive.Length && Encoding.ASCII.GetString(archive, at, 6) == "070701")
        {
            int Field(int i) => Convert.ToInt32(Encoding.ASCII.GetString(archive, at + 6 + 8 * i, 8), 16);
            int size = Field(6), nameSize = Field(11);
            string entry = Encoding.ASCII.GetString(archive, at + 110, nameSize - 1);
            int data = (at + 110 + nameSize + 3) & ~3;
            if (entry == "TRAILER!!!")
                break;
            if (entry == name || entry == "./" + name)
                return archive[data..(data + size)];
            at = (data + size + 3) & ~3;
        }
        return null;
    }
}
