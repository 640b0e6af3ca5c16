using System.Text;
using System.Text.RegularExpressions;
using Kernel.Logic;

namespace Kernel.Tests.Syscalls;

/// <summary>
/// Kernel/SYSCALLS.md is the system-call table's document: every arm64 number with its name and
/// status. It must say exactly what the code says: the numbers and names of SyscallTable, and as
/// implemented exactly the calls the kernel's subsystems register by name
/// (<c>Syscalls.Register("name"u8, &amp;Handler)</c> under Kernel/Source; the kernel panics at boot on
/// a name arm64 does not have, or one registered twice).
/// </summary>
public partial class SyscallTableTests
{
    [GeneratedRegex("""Syscalls\.Register\("(\w+)"u8, &\w+\)""")]
    private static partial Regex Registration();

    /// <summary>The names registered in the kernel's source, each with the file that registers it.</summary>
    public static Dictionary<string, string> RegisteredNames()
    {
        var names = new Dictionary<string, string>();
        string source = Path.Combine(RepositoryRoot(), "Kernel", "Source");
        foreach (string file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories))
            foreach (Match m in Registration().Matches(File.ReadAllText(file)))
                Assert.True(names.TryAdd(m.Groups[1].Value, file), $"{m.Groups[1].Value} is registered twice ({names.GetValueOrDefault(m.Groups[1].Value)}, {file})");
        return names;
    }

    private static bool IsImplemented(IReadOnlyDictionary<string, string> registered, int number)
        => registered.ContainsKey(Encoding.ASCII.GetString(SyscallTable.Name(number)));
    private static string RepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "Emulator.sln")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("repository root not found");
    }

    /// <summary>The document as the code defines it.</summary>
    public static string ExpectedDocument()
    {
        var sb = new StringBuilder();
        sb.Append("# System calls\n\n");
        sb.Append("Linux arm64 system calls and what the managed kernel does with each. Implemented calls follow\n");
        sb.Append("Linux's semantics and return errors as negative errno; every other number returns `-ENOSYS`\n");
        sb.Append("and is logged once by name. Generated from `Logic/SyscallTable.cs` (numbers and names) and the\n");
        sb.Append("handlers registered by name under `Source/` (status): `Tests/Kernel.Tests` checks this file against both.\n\n");
        Dictionary<string, string> registered = RegisteredNames();
        int implemented = 0;
        for (int n = 0; n < SyscallTable.Count; n++)
            if (SyscallTable.Name(n).Length > 0 && IsImplemented(registered, n))
                implemented++;
        sb.Append($"{implemented} implemented.\n\n");
        sb.Append("| number | name | status |\n|---:|---|---|\n");
        for (int n = 0; n < SyscallTable.Count; n++)
        {
            ReadOnlySpan<byte> name = SyscallTable.Name(n);
            if (name.Length == 0)
                continue;
            sb.Append($"| {n} | {Encoding.ASCII.GetString(name)} | {(IsImplemented(registered, n) ? "implemented" : "ENOSYS")} |\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void DocumentMatchesTheTable()
    {
        string path = Path.Combine(RepositoryRoot(), "Kernel", "SYSCALLS.md");
        string expected = ExpectedDocument();
        if (Environment.GetEnvironmentVariable("UPDATE_SYSCALLS_MD") == "1")
            File.WriteAllText(path, expected);
        string actual = File.ReadAllText(path);
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        for (int i = 0; i < Math.Min(e.Length, a.Length); i++)
            Assert.True(e[i] == a[i], $"Kernel/SYSCALLS.md line {i + 1}: \"{a[i]}\", the code says \"{e[i]}\" (regenerate: UPDATE_SYSCALLS_MD=1 dotnet test --filter SyscallTableTests)");
        Assert.Equal(e.Length, a.Length);
    }

    [Fact]
    public void EveryRegisteredNameIsAnArm64SystemCall()
    {
        Dictionary<string, string> registered = RegisteredNames();
        Assert.True(registered.Count > 100, $"only {registered.Count} registrations found: has the registration call changed shape?");
        foreach ((string name, string file) in registered)
            Assert.True(SyscallTable.Number(Encoding.ASCII.GetBytes(name)) >= 0, $"{file} registers \"{name}\", which arm64 does not have");
    }

    [Theory]
    [InlineData("read", 63)]
    [InlineData("rt_sigreturn", 139)]
    [InlineData("faccessat2", 439)]
    [InlineData("no_such_call", -1)]
    public void NumbersAreFoundByName(string name, int number)
        => Assert.Equal(number, SyscallTable.Number(Encoding.ASCII.GetBytes(name)));

    [Theory]
    [InlineData(63, "read")]
    [InlineData(64, "write")]
    [InlineData(220, "clone")]
    [InlineData(221, "execve")]
    [InlineData(79, "newfstatat")]
    [InlineData(222, "mmap")]
    [InlineData(260, "wait4")]
    [InlineData(291, "statx")]
    [InlineData(439, "faccessat2")]
    public void NamesFollowTheArm64Numbering(int number, string name)
        => Assert.Equal(name, Encoding.ASCII.GetString(SyscallTable.Name(number)));
}
