namespace Emulator.System.Tests;

/// <summary>The host side of the serial console: the Ctrl-A escape, and what end of input means.</summary>
public sealed class ConsoleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly byte[] CtrlAX = [0x01, (byte)'x'];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void CtrlAXQuitsWhileTheGuestSpins()
    {
        var elf = BareMetalGuest.Build(_folder, "spin", """
            main:
                adr x1, hello
                bl puts
            1:  b 1b
            hello: .asciz "spinning\n"
            """);
        using var console = GuestConsole.Start("-kernel", elf);
        console.WaitFor("spinning\n", Timeout);

        console.Send(CtrlAX);

        Assert.Equal(0, console.WaitForExit(Timeout));
    }

    [Fact]
    public void CtrlAXQuitsWhileTheGuestWaitsForAnInterrupt()
    {
        var elf = BareMetalGuest.Build(_folder, "wfi", """
            main:
                adr x1, hello
                bl puts
                msr daifset, #0xf
            1:  wfi
                b 1b
            hello: .asciz "waiting\n"
            """);
        using var console = GuestConsole.Start("-kernel", elf);
        console.WaitFor("waiting\n", Timeout);

        console.Send(CtrlAX);

        Assert.Equal(0, console.WaitForExit(Timeout));
    }

    [Fact]
    public void EndOfInputDoesNotStopAGuestThatIsStillPrinting()
    {
        var elf = BareMetalGuest.Build(_folder, "two-lines", """
            main:
                adr x1, first
                bl puts
                mov x0, #1
                bl delay
                adr x1, second
                bl puts
                bl system_off
            first: .asciz "first line\n"
            second: .asciz "second line\n"
            """);
        using var console = GuestConsole.Start("-kernel", elf);
        console.WaitFor("first line\n", Timeout);

        console.CloseInput();

        console.WaitFor("second line\n", Timeout);
        Assert.Equal(0, console.WaitForExit(Timeout));
        Assert.Equal("first line\nsecond line\n", console.Output);
    }

    /// <summary>
    /// Starts <paramref name="fileName"/>, writes zeros to its standard input for <paramref name="duration"/>
    /// from a thread of its own, and returns how many bytes the process took and its resident memory at
    /// the end; then kills it.
    /// </summary>
    private static (long Accepted, long ResidentKiB) FloodInput(string fileName, IEnumerable<string> arguments, TimeSpan duration)
    {
        var startInfo = new global::System.Diagnostics.ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = global::System.Diagnostics.Process.Start(startInfo)!;
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        long accepted = 0;
        var writer = new Thread(() =>
        {
            var zeros = new byte[64 << 10];
            try
            {
                while (true)
                {
                    process.StandardInput.BaseStream.Write(zeros);
                    Interlocked.Add(ref accepted, zeros.Length);
                }
            }
            catch (IOException)
            {
                // the process was killed
            }
        })
        { IsBackground = true };
        writer.Start();
        Thread.Sleep(duration);
        var status = File.ReadAllLines($"/proc/{process.Id}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var resident = long.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], global::System.Globalization.CultureInfo.InvariantCulture);
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return (Interlocked.Read(ref accepted), resident);
    }

    [Fact]
    public void InputTheGuestNeverReadsWaitsOnTheHostSide()
    {
        // `cat /dev/zero | emulator` with a guest that never reads its UART: QEMU takes bytes only while its
        // PL011's FIFO has room, so the writer soon blocks and QEMU's memory stays flat. So must ours.
        var elf = BareMetalGuest.Build(_folder, "deaf", """
            main:
                msr daifset, #0xf
            1:  wfi
                b 1b
            """);
        var qemu = TestEnvironment.RequireTool("qemu-system-aarch64", "qemu-system-arm");
        var (qemuAccepted, _) = FloodInput(qemu,
            ["-M", "virt", "-cpu", "cortex-a57", "-m", "512M", "-nographic", "-nic", "none", "-kernel", elf], TimeSpan.FromSeconds(3));
        Assert.True(qemuAccepted < 1 << 20, $"QEMU took {qemuAccepted} bytes");

        var (accepted, residentKiB) = FloodInput("dotnet", [TestEnvironment.EmulatorDll, "-kernel", elf], TimeSpan.FromSeconds(5));

        Assert.True(accepted < 1 << 20, $"the emulator took {accepted} bytes that the guest never read");
        Assert.True(residentKiB < 300 << 10, $"the emulator grew to {residentKiB} KiB");
    }
}
