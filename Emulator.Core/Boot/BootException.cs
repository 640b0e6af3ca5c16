namespace Emulator.Core.Boot;

/// <summary>A file the user gave us that we cannot use. The message is one line, ready for the user.</summary>
public sealed class BootException(string message) : Exception(message);
