using System.Text;
using Kernel.Logic;

namespace Kernel.Tests.Syscalls;

/// <summary>
/// Kernel/SYSCALLS.md is the system-call table's document: every arm64 number with its name and
/// status. It must say exactly what the code says (SyscallTable; the kernel checks at boot that its
/// handlers are exactly SyscallTable.Implemented and prints "table consistent").
/// </summary>
public class SyscallTableTests
{
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
        sb.Append("and is logged once by name. Generated from `Logic/SyscallTable.cs`: `Tests/Kernel.Tests` checks\n");
        sb.Append("this file against it, and the kernel checks its handlers against it at boot.\n\n");
        int implemented = 0;
        for (int n = 0; n < SyscallTable.Count; n++)
            if (SyscallTable.Name(n).Length > 0 && SyscallTable.IsImplemented(n))
                implemented++;
        sb.Append($"{implemented} implemented.\n\n");
        sb.Append("| number | name | status |\n|---:|---|---|\n");
        for (int n = 0; n < SyscallTable.Count; n++)
        {
            ReadOnlySpan<byte> name = SyscallTable.Name(n);
            if (name.Length == 0)
                continue;
            sb.Append($"| {n} | {Encoding.ASCII.GetString(name)} | {(SyscallTable.IsImplemented(n) ? "implemented" : "ENOSYS")} |\n");
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
    public void ImplementedNumbersAreSortedNamedAndUnique()
    {
        ushort[] list = SyscallTable.Implemented;
        for (int i = 0; i < list.Length; i++)
        {
            Assert.True(SyscallTable.Name(list[i]).Length > 0, $"{list[i]} has no arm64 name");
            if (i > 0)
                Assert.True(list[i - 1] < list[i], $"Implemented is not sorted at {list[i]}");
        }
    }

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
