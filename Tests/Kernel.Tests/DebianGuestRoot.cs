using System.Diagnostics;

namespace Kernel.Tests;

/// <summary>
/// The set-up's Debian image (disk-images/build-debian.sh, in the cache as disk/debian.ext2) and, for
/// the reference runs, its files on the host: the image's tree copied out with debugfs rdump, where
/// Debian's programs run under qemu-aarch64-static with the tree as their sysroot (-L). The host has
/// no binfmt_misc for arm64, so a program that runs another (bash running sort, tar running gzip)
/// finds it through PATH in a folder of host scripts, one per program of /usr/bin, each running the
/// tree's program under qemu-aarch64-static.
/// </summary>
public sealed class DebianGuestRoot : IDisposable
{
    private readonly Lazy<string> _tree;

    public DebianGuestRoot()
    {
        Directory = Path.Combine(Path.GetTempPath(), $"debian-guest-{Environment.ProcessId}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);
        _tree = new Lazy<string>(CopyTreeOut, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Directory { get; }

    public static string PristineImage => Path.Combine(BusyboxGuestRoot.CacheFolder, "disk", "debian.ext2");

    /// <summary>The image's files on the host (copied out at first use).</summary>
    public string Tree => _tree.Value;

    private string HostBin => Path.Combine(Directory, "hostbin");

    /// <summary>A private copy of the pristine image (sparse), in <paramref name="folder"/>.</summary>
    public static string CopyOfImage(string folder)
    {
        if (!File.Exists(PristineImage))
            throw new InvalidOperationException($"the Debian image is missing at {PristineImage}: run bash scripts/setup.sh");
        string image = Path.Combine(folder, "debian.ext2");
        Run("cp", null, "--sparse=always", PristineImage, image);
        return image;
    }

    private string CopyTreeOut()
    {
        if (!File.Exists(PristineImage))
            throw new InvalidOperationException($"the Debian image is missing at {PristineImage}: run bash scripts/setup.sh");
        string tree = Path.Combine(Directory, "tree");
        System.IO.Directory.CreateDirectory(tree);
        // rdump keeps modes and symbolic links; "/" dumps the root's entries into the folder.
        Run("debugfs", null, "-R", $"rdump / {tree}", PristineImage);
        if (!File.Exists(Path.Combine(tree, "usr", "bin", "bash")))
            throw new InvalidOperationException($"debugfs rdump left no usr/bin/bash in {tree}");
        System.IO.Directory.CreateDirectory(HostBin);
        foreach (string program in System.IO.Directory.GetFileSystemEntries(Path.Combine(tree, "usr", "bin")))
        {
            string name = Path.GetFileName(program);
            // A script (gunzip, zcat: "#!/bin/sh") runs with its interpreter from the tree.
            string interpreter = ScriptInterpreter(program) is { } path ? $"'{tree}{path}' " : "";
            File.WriteAllText(Path.Combine(HostBin, name),
                $"#!/bin/sh\nexec /usr/bin/qemu-aarch64-static -L '{tree}' {interpreter}'{tree}/usr/bin/{name}' \"$@\"\n");
        }
        Run("sh", null, "-c", $"chmod 755 '{HostBin}'/*");
        return tree;
    }

    /// <summary>The interpreter's path of a "#!" script (its first word), or null for any other file.</summary>
    private static string? ScriptInterpreter(string file)
    {
        string head;
        try
        {
            using var reader = new StreamReader(file);
            var start = new char[256];
            head = new string(start, 0, reader.ReadBlock(start, 0, start.Length));
        }
        catch (IOException)
        {
            // A link to an absolute path (ld.so -> /lib/...) that means the tree's file, not the host's: a program.
            return null;
        }
        if (!head.StartsWith("#!", StringComparison.Ordinal))
            return null;
        string line = head[2..].Split('\n')[0].Trim();
        return line.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
    }

    /// <summary>
    /// Runs <paramref name="command"/> with the tree's bash under qemu-aarch64-static, in a fresh empty
    /// folder, standard error into standard output; returns what it printed.
    /// </summary>
    public string RunOnHost(string command)
    {
        string tree = Tree;
        // Named as the guest's (/tmp/s): a command may print its folder's name.
        string scratch = Path.Combine(Directory, "s");
        if (System.IO.Directory.Exists(scratch))
            System.IO.Directory.Delete(scratch, true);
        System.IO.Directory.CreateDirectory(scratch);
        var start = new ProcessStartInfo("/usr/bin/qemu-aarch64-static")
        {
            WorkingDirectory = scratch,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-L", tree, Path.Combine(tree, "usr", "bin", "bash"), "-c", $"{{ {command}; }} 2>&1" })
            start.ArgumentList.Add(a);
        start.Environment.Clear();
        start.Environment["PATH"] = HostBin;
        start.Environment["HOME"] = "/root";
        // Python's bytecode cache would be written into the tree.
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using var p = Process.Start(start) ?? throw new InvalidOperationException("qemu-aarch64-static did not start");
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> errors = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(true);
            throw new TimeoutException($"host run of '{command}' timed out");
        }
        return output.Result;
    }

    /// <summary>Runs a host program to its end (5 minutes at most); a non-zero exit is an exception with its output.</summary>
    internal static void Run(string program, string? directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (directory != null)
            start.WorkingDirectory = directory;
        foreach (string a in arguments)
            start.ArgumentList.Add(a);
        using var p = Process.Start(start) ?? throw new InvalidOperationException($"cannot run {program}");
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> errors = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(300_000))
        {
            p.Kill(true);
            throw new TimeoutException($"{program} did not finish");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({p.ExitCode}):\n{output.Result}{errors.Result}");
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
