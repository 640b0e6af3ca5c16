namespace Emulator.Core.Qmp;

/// <summary>A command's failure as QMP reports it: an error class (GenericError, CommandNotFound, ...) and a description.</summary>
public sealed class QmpException(string errorClass, string description) : Exception(description)
{
    public const string GenericError = "GenericError";
    public const string CommandNotFound = "CommandNotFound";
    public const string DeviceNotFound = "DeviceNotFound";

    public string ErrorClass { get; } = errorClass;

    public static QmpException Generic(string description) => new(GenericError, description);
}
