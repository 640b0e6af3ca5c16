using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Kernel.Tests;

/// <summary>
/// The gdb stub (-S -gdb tcp::PORT) driven by gdb-multiarch in batch mode against the managed kernel booting from
/// the set-up's root disk, on our emulator and, as the oracle, on QEMU: the same script must stop at the same
/// places with the same values, and after gdb detaches the kernel must reach the disk's shell.
/// Ctrl-C is tested through the protocol itself (batch gdb cannot type it).
/// </summary>
[Collection("emulator")]
public class GdbStubTests
{
    // $1: a write watchpoint's stop; $2-$7: the entry breakpoint, a global, registers, stepi; $8: nexti;
    // $9: a read watchpoint's stop; $10: a breakpoint in the idle loop.
    private const string Script = """
        set pagination off
        set confirm off
        target remote :PORT
        break upper_half
        continue
        delete
        watch *(long *)&boot_info
        continue
        print/x $pc
        delete
        break *KernelEntry
        continue
        print/x $pc
        print/x *(long *)&__security_cookie
        print/x $x0
        print/x &boot_info
        print/x $cpsr
        stepi
        print/x $pc
        nexti
        print/x $pc
        EXTRA
        delete
        rwatch *(long *)&boot_info
        continue
        print/x $pc
        delete
        break cpu_wait_for_interrupt
        continue
        print/x $pc
        delete
        detach
        """;

    private static readonly int[] ValueNumbers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    [Fact]
    public void Gdb_stops_at_the_kernel_entry_steps_reads_registers_and_globals_and_detaches()
    {
        var entry = SymbolAddress("KernelEntry");
        var (output, console) = Debug(BootMachine.Emulator, "info registers VBAR_EL1 SCTLR_EL1 TTBR1_EL1");
        Assert.Contains("Breakpoint 3, ", output);
        // The write watchpoint: the stop is right after the store, gdb having stepped over it from before it.
        Assert.Contains("Old value = 0", output);
        Assert.Matches("New value = [1-9]", output);
        Assert.StartsWith("0xffffff80000002", Value(output, 1));
        Assert.Equal($"0x{entry:x}", Value(output, 2));
        // A global variable of the kernel (Arch/runtime.S), read through the kernel's page tables.
        Assert.Equal("0x2b992ddfa2329d5a", Value(output, 3));
        // KernelEntry's argument is the boot information block.
        Assert.Equal(Value(output, 5), Value(output, 4));
        // EL1 with SP_EL0 (the kernel runs on SP_EL0), interrupts masked.
        Assert.Equal(0x3c4UL, Convert.ToUInt64(Value(output, 6), 16) & 0x3ff);
        Assert.Equal(entry + 4, Convert.ToUInt64(Value(output, 7), 16));
        Assert.Equal(entry + 8, Convert.ToUInt64(Value(output, 8), 16));
        Assert.Matches(@"VBAR_EL1\s+0xffffff8000000800", output);
        Assert.Contains("Hardware read watchpoint 4: *(long *)&boot_info\n\nValue = ", output.Replace("\r", ""));
        Assert.Equal($"0x{SymbolAddress("cpu_wait_for_interrupt"):x}", Value(output, 10));
        Assert.Contains("detached", output);
        // Detached, the kernel ran on to the shell (Debug typed a command there).
        Assert.Contains("idle loop reached", console);
        Assert.Contains("gdb-42", console);
    }

    [Fact]
    public void Qemu_as_the_oracle_gives_the_same_stops_and_values()
    {
        var ours = Debug(BootMachine.Emulator, "").Output;
        var qemu = Debug(BootMachine.Qemu, "").Output;
        foreach (var n in ValueNumbers)
        {
            Assert.True(Value(qemu, n) == Value(ours, n), $"${n}: QEMU {Value(qemu, n)}, ours {Value(ours, n)}\nQEMU:\n{qemu}\nours:\n{ours}");
        }
    }

    [Fact]
    public void Ctrl_C_stops_a_running_guest_and_continue_resumes_it()
    {
        var port = HostPorts.Free();
        using var vm = new QemuMachine(BootMachine.Emulator, "console=ttyAMA0", "512M", "-gdb", $"tcp:127.0.0.1:{port}");
        vm.WaitFor("idle loop reached");
        using var client = new TcpClient("127.0.0.1", port);
        var stream = client.GetStream();
        stream.ReadTimeout = 30_000;
        // Connecting stops the guest, as QEMU does.
        Assert.StartsWith("T", Exchange(stream, "?"));
        Assert.Equal("OK", Exchange(stream, "QStartNoAckMode"));
        Send(stream, "vCont;c", ack: false);
        Thread.Sleep(300);
        stream.WriteByte(0x03);
        Assert.Equal("T02thread:01;", Receive(stream, ack: false));
        Assert.Matches("^[0-9a-f]{16}$", Exchange(stream, "p20", ack: false));
        Assert.Equal("OK", Exchange(stream, "D", ack: false));
    }

    private static string Exchange(NetworkStream stream, string packet, bool ack = true)
    {
        Send(stream, packet, ack);
        return Receive(stream, ack);
    }

    private static void Send(NetworkStream stream, string packet, bool ack)
    {
        var sum = Encoding.ASCII.GetBytes(packet).Aggregate(0, (s, b) => (s + b) & 0xFF);
        stream.Write(Encoding.ASCII.GetBytes($"${packet}#{sum:x2}"));
        if (ack)
        {
            Assert.Equal('+', (char)stream.ReadByte());
        }
    }

    private static string Receive(NetworkStream stream, bool ack)
    {
        int b;
        while ((b = stream.ReadByte()) != '$')
        {
            Assert.True(b >= 0, "the stub closed the connection");
        }

        var text = new StringBuilder();
        while ((b = stream.ReadByte()) != '#')
        {
            text.Append((char)b);
        }

        stream.ReadByte();
        stream.ReadByte();
        if (ack)
        {
            stream.WriteByte((byte)'+');
        }

        return text.ToString();
    }

    /// <summary>
    /// Boots the kernel halted (-S) on <paramref name="machine"/> with a copy of the set-up's root disk, runs the
    /// script with gdb against it, and once gdb has detached waits for the disk's shell and runs a command there.
    /// </summary>
    private static (string Output, string Console) Debug(BootMachine machine, string extra)
    {
        var folder = Directory.CreateTempSubdirectory("gdb-stub-").FullName;
        try
        {
            var disk = Path.Combine(folder, "root.ext2");
            if (!File.Exists(DiskRootTests.PristineDisk))
                throw new InvalidOperationException($"the root disk image is missing at {DiskRootTests.PristineDisk}: run bash scripts/setup.sh");
            using (var copy = Process.Start("cp", ["--sparse=always", DiskRootTests.PristineDisk, disk]))
                copy.WaitForExit();
            var port = HostPorts.Free();
            using var vm = new QemuMachine(machine, "console=ttyAMA0 root=/dev/vda rw", "512M", "-S", "-gdb", $"tcp:127.0.0.1:{port}",
                "-drive", $"file={disk},format=raw,if=none,id=root", "-device", "virtio-blk-device,drive=root,serial=root");
            WaitForListener(port);
            var script = Path.Combine(folder, "script.gdb");
            File.WriteAllText(script, Script.Replace("PORT", port.ToString()).Replace("EXTRA", extra) + "\n");
            var output = RunGdb(script);
            // Detached, the kernel runs on to the disk's shell, which answers.
            vm.WaitFor(@"^Its recipe is disk-images/", TimeSpan.FromSeconds(60));
            Assert.Equal("gdb-42", vm.RunShellCommand("echo gdb-$((6*7))").Trim());
            return (output, vm.Output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string RunGdb(string script)
    {
        var start = new ProcessStartInfo("gdb-multiarch")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-batch", "-nx", "-x", script, QemuMachine.ElfPath })
            start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("gdb-multiarch did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run gdb-multiarch: {e.Message} (bash scripts/setup.sh installs it)", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
            {
                process.Kill();
                throw new TimeoutException($"gdb did not finish:\n{stdout.Result}{stderr.Result}");
            }

            return stdout.Result + stderr.Result;
        }
    }

    /// <summary>Waits until something listens on the port (the machine is up), without connecting to it.</summary>
    private static void WaitForListener(int port)
    {
        var hex = $":{port:X4} ";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (File.ReadLines("/proc/net/tcp").Any(l => l.Contains(hex) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3] == "0A"))
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"nothing listens on port {port}");
    }

    /// <summary>gdb's value history entry $n as printed ("$n = VALUE").</summary>
    private static string Value(string output, int n)
    {
        var match = Regex.Match(output, $@"^\${n} = (\S+)", RegexOptions.Multiline);
        Assert.True(match.Success, $"${n} not printed:\n{output}");
        return match.Groups[1].Value;
    }

    private static ulong SymbolAddress(string name)
    {
        var start = new ProcessStartInfo("aarch64-linux-gnu-nm") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(QemuMachine.ElfPath);
        using var process = Process.Start(start)!;
        var symbols = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var match = Regex.Match(symbols, $@"^([0-9a-f]+) \w {Regex.Escape(name)}$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no symbol {name}");
        return Convert.ToUInt64(match.Groups[1].Value, 16);
    }
}
