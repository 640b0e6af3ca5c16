using System.Text.RegularExpressions;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Emulator.System.Tests;

/// <summary>
/// Tests that boot the default Linux guest. They share one collection so that no two boots compete for
/// the CPU at the same time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LinuxGuestCollection
{
    public const string Name = "Linux guest";

    /// <summary>Booting to the shell takes a few seconds alone; allow for a machine busy with builds.</summary>
    public static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);

    /// <summary>How Linux reports that it is broken: an oops or a panic, for a boot or any later command.</summary>
    public static readonly Regex KernelFailure = new(@"Unable to handle kernel|Internal error: Oops|Kernel panic - not syncing|\] BUG: ");

    /// <summary>Boots the default guest and waits for its shell prompt.</summary>
    public static GuestConsole BootToShell()
    {
        TestEnvironment.RequireDefaultGuest();
        var console = GuestConsole.Start();
        console.FailOn = KernelFailure;
        try
        {
            console.WaitFor(GuestConsole.ShellPrompt, BootTimeout);
            return console;
        }
        catch
        {
            console.Dispose();
            throw;
        }
    }
}

/// <summary>One boot of the default guest, shared by a whole class of console checks.</summary>
public sealed class LinuxShell : IDisposable
{
    public LinuxShell()
    {
        Console = LinuxGuestCollection.BootToShell();
    }

    public GuestConsole Console { get; }

    public void Dispose() => Console.Dispose();
}

/// <summary>The position of a test in a sequence that shares one guest (see <see cref="StepOrderer"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int number) : Attribute
{
    public int Number { get; } = number;
}

/// <summary>Runs a class's tests in the order of their <see cref="StepAttribute"/> numbers (unnumbered first).</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string TypeName = "Emulator.System.Tests.StepOrderer";
    public const string AssemblyName = "Emulator.System.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(t => Step(t)).ThenBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);

    private static int Step(ITestCase testCase) =>
        testCase.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName)
            .Select(a => a.GetConstructorArguments().Cast<int>().First())
            .DefaultIfEmpty(0)
            .First();
}
