using Emulator.Core.Tests.Support;

namespace Emulator.Core.Tests.DeviceTree;

/// <summary>
/// Runs the reference device-tree compiler on a blob or source text. When dtc is not installed
/// the calling test fails (it does not skip), since these tests are the only outside check of
/// the binary format.
/// </summary>
internal static class Dtc
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Converts <paramref name="input"/> from one format to another (<c>dtb</c> or <c>dts</c>).</summary>
    public static DtcResult Convert(byte[] input, string inputFormat, string outputFormat)
    {
        string directory = Directory.CreateTempSubdirectory("dtc-test-").FullName;
        try
        {
            string inputPath = Path.Combine(directory, "input." + inputFormat);
            string outputPath = Path.Combine(directory, "output." + outputFormat);
            File.WriteAllBytes(inputPath, input);
            var result = ExternalTool.Run("dtc", "device-tree-compiler", Timeout,
                "-I", inputFormat, "-O", outputFormat, "-o", outputPath, inputPath);
            byte[] output = File.Exists(outputPath) ? File.ReadAllBytes(outputPath) : [];
            return new DtcResult(result.ExitCode, result.StandardOutput, result.StandardError, output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Decompiles a blob, failing the test on a non-zero exit or any output on stderr (warnings included).</summary>
    public static string Decompile(byte[] blob)
    {
        DtcResult result = Convert(blob, "dtb", "dts");
        Assert.True(result.ExitCode == 0, $"dtc -I dtb -O dts exited with {result.ExitCode}: {result.StandardError}");
        Assert.True(result.StandardError.Length == 0, $"dtc -I dtb -O dts complained:\n{result.StandardError}");
        return System.Text.Encoding.UTF8.GetString(result.Output);
    }

    /// <summary>Compiles source text, failing the test on a non-zero exit or any output on stderr (warnings included).</summary>
    public static byte[] Compile(string source)
    {
        DtcResult result = Convert(System.Text.Encoding.UTF8.GetBytes(source), "dts", "dtb");
        Assert.True(result.ExitCode == 0, $"dtc -I dts -O dtb exited with {result.ExitCode}: {result.StandardError}");
        Assert.True(result.StandardError.Length == 0, $"dtc -I dts -O dtb complained:\n{result.StandardError}");
        return result.Output;
    }
}
