namespace Emulator.Core.Tests.Support;

internal sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError);
