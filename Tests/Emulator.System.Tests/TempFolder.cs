namespace Emulator.System.Tests;

/// <summary>A scratch folder for one test, deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("emulator-system-tests-").FullName;
    }

    public string Path { get; }

    public string File(string name) => global::System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that still holds a file: leave the folder to the system's temp cleaning.
        }
    }
}
