namespace Emulator.Core.Tests.Boot;

/// <summary>A temporary folder for files a test hands to the emulator by path.</summary>
internal sealed class TempFiles : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("core-tests-").FullName;

    public string Write(string name, byte[] contents)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, contents);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
