namespace Emulator.Core.Tests.DeviceTree;

internal sealed record DtcResult(int ExitCode, string StandardOutput, string StandardError, byte[] Output);
