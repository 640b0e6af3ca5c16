namespace Emulator.System.Tests;

/// <summary>The position of a test in a sequence that shares one guest (see <see cref="StepOrderer"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int number) : Attribute
{
    public int Number { get; } = number;
}
