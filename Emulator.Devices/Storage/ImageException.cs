namespace Emulator.Devices.Storage;

/// <summary>A disk image that cannot be used (missing, locked by another process, ...); the message is the one line the user sees.</summary>
public sealed class ImageException(string message) : Exception(message);
