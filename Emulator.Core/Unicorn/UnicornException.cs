namespace Emulator.Core.Unicorn;

/// <summary>A Unicorn error: a host-side failure (never something a guest can cause on purpose).</summary>
public sealed class UnicornException(string operation, int code)
    : Exception($"unicorn: {operation} failed: {UnicornEngine.Describe(code)} (error {code})")
{
    public int Code { get; } = code;
}
