using Xunit.Abstractions;
using Xunit.Sdk;

namespace Emulator.System.Tests;

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
