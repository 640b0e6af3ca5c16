namespace Emulator.Devices.Net;

/// <summary>A network back end that cannot be set up (libslirp missing, a host port in use); the message is the one line the user sees.</summary>
public sealed class NetworkException(string message) : Exception(message);
