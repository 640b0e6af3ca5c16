namespace Emulator;

/// <summary>A command line we cannot accept; the message is the one line the user sees.</summary>
public sealed class UsageException(string message) : Exception(message);
