using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Emulator.System.Tests;

/// <summary>
/// The default guest, booted once, checked from its shell the way a person would; the last step powers it
/// off.
/// </summary>
[Collection(LinuxGuestCollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed partial class LinuxAcceptanceTests(LinuxShell shell) : IClassFixture<LinuxShell>
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly GuestConsole _console = shell.Console;

    [Fact]
    [Step(1)]
    public void MachineIsAarch64()
    {
        Assert.Equal("aarch64", _console.Run("uname -m", CommandTimeout));
    }

    [Fact]
    [Step(2)]
    public void TimerInterruptsKeepArriving()
    {
        // The guest's own one-second sleep between the reads needs a timer interrupt to end.
        var output = _console.Run("grep arch_timer /proc/interrupts; sleep 1; grep arch_timer /proc/interrupts", CommandTimeout);

        var counts = TimerLine().Matches(output).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(counts.Count == 2, $"expected two arch_timer lines in /proc/interrupts, got:\n{output}");
        Assert.True(counts[1] > counts[0], $"the arch_timer count did not go up in a second:\n{output}");
    }

    [Fact]
    [Step(3)]
    public void ClockAgreesWithTheHost()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var output = _console.Run("date +%s", CommandTimeout);
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.True(long.TryParse(output, NumberStyles.None, CultureInfo.InvariantCulture, out var guest), $"not a number of seconds: {output}");
        Assert.InRange(guest, before - 5, after + 5);
    }

    [Fact]
    [Step(4)]
    public void Md5OfZerosMatchesTheHost()
    {
        var expected = Convert.ToHexStringLower(MD5.HashData(new byte[65536]));

        Assert.Equal($"{expected}  -", _console.Run("head -c 65536 /dev/zero | md5sum", CommandTimeout));
    }

    [Fact]
    [Step(5)]
    public void PasteOf20KiBIntoCatArrivesWhole()
    {
        // 256 lines of 80 bytes, pasted in one go: the host holds back what the UART cannot take yet.
        var lines = Enumerable.Range(0, 256).Select(i => $"{i:D5} " + new string((char)('a' + (i % 26)), 73) + "\n");
        var paste = global::System.Text.Encoding.ASCII.GetBytes(string.Concat(lines));
        Assert.Equal(20_480, paste.Length);
        var expected = Convert.ToHexStringLower(MD5.HashData(paste));

        _console.Mark();
        _console.Type("cat > /tmp/paste");
        _console.Send(paste);
        _console.Send(0x04); // Ctrl-D at the start of a line: end of input for cat
        _console.WaitFor(GuestConsole.ShellPrompt, CommandTimeout);

        Assert.Equal($"20480 {expected} -", _console.Run("echo $(wc -c < /tmp/paste) $(md5sum < /tmp/paste)", CommandTimeout));
    }

    /// <summary>
    /// A 32-bit ARM (A32) Linux program: write(1, "hello from A32\n", 15), then exit(42), through the
    /// AArch32 system call ABI (number in r7, svc #0). A hand-made ELF32 file, since no 32-bit ARM
    /// toolchain is installed: header, a PT_LOAD at 0x10000 and a PT_GNU_STACK (without it the kernel warns
    /// about an executable stack), eight instructions, the message.
    /// </summary>
    private static byte[] Aarch32HelloElf()
    {
        uint[] code =
        [
            0xE3A00001, // mov r0, #1
            0xE28F1014, // add r1, pc, #20 (the message)
            0xE3A0200F, // mov r2, #15
            0xE3A07004, // mov r7, #4 (write)
            0xEF000000, // svc #0
            0xE3A0002A, // mov r0, #42
            0xE3A07001, // mov r7, #1 (exit)
            0xEF000000, // svc #0
        ];
        var message = "hello from A32\n"u8;
        const int headers = 52 + 2 * 32;
        var size = headers + code.Length * 4 + message.Length;
        var elf = new byte[size];
        var span = elf.AsSpan();
        "\u007fELF"u8.CopyTo(span);
        span[4] = 1; // 32-bit
        span[5] = 1; // little-endian
        span[6] = 1; // ELF version
        void U16(int at, int value) => global::System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(at), (ushort)value);
        void U32(int at, uint value) => global::System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at), value);
        U16(16, 2);                 // ET_EXEC
        U16(18, 40);                // EM_ARM
        U32(20, 1);
        U32(24, 0x10000 + headers); // entry
        U32(28, 52);                // program headers
        U32(36, 0x0500_0000);       // EABI version 5
        U16(40, 52);
        U16(42, 32);
        U16(44, 2);
        U16(46, 40);
        U32(52, 1);                 // PT_LOAD
        U32(56, 0);
        U32(60, 0x10000);
        U32(64, 0x10000);
        U32(68, (uint)size);
        U32(72, (uint)size);
        U32(76, 5);                 // R + X
        U32(80, 0x1000);
        U32(84, 0x6474_E551);       // PT_GNU_STACK
        U32(108, 6);                // R + W
        for (var i = 0; i < code.Length; i++)
        {
            U32(headers + 4 * i, code[i]);
        }

        message.CopyTo(span[(headers + code.Length * 4)..]);
        return elf;
    }

    [Fact]
    [Step(6)]
    public void A32ProgramRunsUnderLinuxCompat()
    {
        // Debian's arm64 kernel runs 32-bit ARM programs (CONFIG_COMPAT); on QEMU this prints the
        // message and exits with 42. Each of its system calls is an SVC from AArch32 EL0.
        var base64 = Convert.ToBase64String(Aarch32HelloElf());
        _console.Run($"echo {base64} | base64 -d > /tmp/a32 && chmod +x /tmp/a32", CommandTimeout);

        Assert.Equal("hello from A32\nstatus 42", _console.Run("/tmp/a32; echo status $?", CommandTimeout));
    }

    [Fact]
    [Step(100)]
    public void PoweroffEndsTheEmulatorWithStatus0()
    {
        _console.Type("poweroff -f");

        Assert.Equal(0, _console.WaitForExit(TimeSpan.FromSeconds(60)));
    }

    /// <summary>"&lt;irq&gt;:  &lt;count&gt;  ...  arch_timer" with one CPU.</summary>
    [GeneratedRegex(@"(?m)^\s*\d+:\s+(\d+)\s.*arch_timer")]
    private static partial Regex TimerLine();
}
