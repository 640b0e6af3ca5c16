namespace Emulator.System.Tests;

/// <summary>The guest printed something that means it has failed (see <see cref="GuestConsole.FailOn"/>).</summary>
public sealed class GuestFailureException(string message) : Exception(message);
