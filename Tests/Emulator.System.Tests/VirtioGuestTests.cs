namespace Emulator.System.Tests;

/// <summary>
/// Bare-metal guests that drive the virtio-mmio transports directly, run on QEMU and on the emulator with
/// the same options: which slot each -device lands in, and what a driver that feeds malformed chains sees
/// (DEVICE_NEEDS_RESET, a configuration-change interrupt, then a working device after a reset).
/// </summary>
public sealed class VirtioGuestTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// Routines for a modern (version 2) driver of the transport in slot 31, with queue 0 of 8 entries:
    /// start (reset, negotiate VERSION_1 only, set up the queue, DRIVER_OK), desc (x0 index, x1 address,
    /// w2 length, w3 flags, w4 next), offer (x0 head: publish and notify), and report (prints the status,
    /// the interrupt status's configuration-change bit and the used index as hex, then a newline, after a
    /// second's wait: QEMU's entropy device serves requests asynchronously, and its used-buffer bit differs,
    /// as it also raises a used-buffer interrupt for a request it refused).
    /// </summary>
    private const string Driver = """
            .equ VIO, 0x0a003e00
            .equ DESC, 0x48000000
            .equ AVAIL, 0x48001000
            .equ USED, 0x48002000
            .equ BUF, 0x48003000

        start:
            ldr x19, =VIO
            str wzr, [x19, #0x70]
            ldr x2, =DESC
            mov x3, #(3 * 4096 / 8)
        1:  str xzr, [x2], #8
            subs x3, x3, #1
            b.ne 1b
            mov w2, #1
            str w2, [x19, #0x70]
            mov w2, #3
            str w2, [x19, #0x70]
            mov w2, #1
            str w2, [x19, #0x24]
            str w2, [x19, #0x20]
            str wzr, [x19, #0x24]
            str wzr, [x19, #0x20]
            mov w2, #11
            str w2, [x19, #0x70]
            str wzr, [x19, #0x30]
            mov w2, #8
            str w2, [x19, #0x38]
            ldr x2, =DESC
            str w2, [x19, #0x80]
            str wzr, [x19, #0x84]
            ldr x2, =AVAIL
            str w2, [x19, #0x90]
            str wzr, [x19, #0x94]
            ldr x2, =USED
            str w2, [x19, #0xa0]
            str wzr, [x19, #0xa4]
            mov w2, #1
            str w2, [x19, #0x44]
            mov w2, #15
            str w2, [x19, #0x70]
            ret

        desc:
            ldr x5, =DESC
            add x5, x5, x0, lsl #4
            str x1, [x5]
            str w2, [x5, #8]
            strh w3, [x5, #12]
            strh w4, [x5, #14]
            ret

        offer:
            ldr x5, =AVAIL
            strh w0, [x5, #4]
            mov w6, #1
            dmb ish
            strh w6, [x5, #2]
            dsb sy
            str wzr, [x19, #0x50]
            ret

        // wait_used: spins until the used index is 1 or about 10^8 iterations passed.
        wait_used:
            ldr x5, =USED
            ldr x6, =100000000
        1:  ldrh w7, [x5, #2]
            cbnz w7, 2f
            subs x6, x6, #1
            b.ne 1b
        2:  ret

        report:
            mov x28, x30
            mov x0, #1
            bl delay
            ldr w0, [x19, #0x70]
            bl puthex
            ldr w0, [x19, #0x60]
            and w0, w0, #2
            bl puthex
            ldr x0, =USED
            ldrh w0, [x0, #2]
            bl puthex
            ldr x2, =UART_DR
            mov w3, #'\n'
            strb w3, [x2]
            mov x30, x28
            ret
            .ltorg

        """;

    private const string NeedsReset = "000000000000004f 0000000000000002 0000000000000000 ";
    private const string Served = "000000000000000f 0000000000000000 0000000000000001 ";

    private (ToolResult Qemu, ToolResult Ours) RunOnBoth(string name, string program, params string[] options)
    {
        var elf = BareMetalGuest.Build(_folder, name, program);
        var qemu = TestEnvironment.RunQemu(ExitTimeout, ["-kernel", elf, .. options]);
        Assert.True(qemu.ExitCode == 0, "QEMU: " + qemu);
        var ours = TestEnvironment.RunEmulator(ExitTimeout, ["-kernel", elf, .. options]);
        Assert.True(ours.ExitCode == 0, ours.ToString());
        return (qemu, ours);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DevicesFillTheSlotsFromTheTop_AsOnQemu(bool legacy)
    {
        var image = _folder.File("slots.img");
        File.WriteAllBytes(image, new byte[1 << 20]);
        // For each of the 32 transports: its version and device id as digits, e.g. "1:0 1:0 ... 1:4 1:2".
        var program = """
            main:
                ldr x19, =0x0a000000
                mov x20, #32
                ldr x2, =UART_DR
            1:  ldr w3, [x19, #4]
                add w3, w3, #'0'
                strb w3, [x2]
                mov w3, #':'
                strb w3, [x2]
                ldr w3, [x19, #8]
                add w3, w3, #'0'
                strb w3, [x2]
                mov w3, #' '
                strb w3, [x2]
                add x19, x19, #0x200
                subs x20, x20, #1
                b.ne 1b
                mov w3, #'\n'
                strb w3, [x2]
                bl system_off
                .ltorg
            """;
        string[] options =
        [
            "-drive", $"file={image},format=raw,if=none,id=d0",
            "-device", "virtio-rng-device",
            "-device", "virtio-blk-device,drive=d0",
            "-device", "virtio-rng-device",
            .. legacy ? Array.Empty<string>() : ["-global", "virtio-mmio.force-legacy=false"],
        ];

        var (qemu, ours) = RunOnBoth("slots", program, options);

        var version = legacy ? "1" : "2";
        var expected = string.Concat(Enumerable.Repeat($"{version}:0 ", 29)) + $"{version}:4 {version}:2 {version}:4 \n";
        Assert.Equal(expected, qemu.Stdout);
        Assert.Equal(qemu.Stdout, ours.Stdout);
    }

    [Fact]
    public void MalformedChains_NeedReset_AndTheDeviceWorksAfterAReset_AsOnQemu()
    {
        var program = """
            main:
                // A chain that loops: 0 -> 1 -> 0.
                bl start
                mov x0, #0
                ldr x1, =BUF
                mov w2, #8
                mov w3, #3
                mov w4, #1
                bl desc
                mov x0, #1
                mov w4, #0
                bl desc
                mov x0, #0
                bl offer
                bl report

                // After a reset, a good request is served.
                bl start
                mov x0, #0
                ldr x1, =BUF
                mov w2, #16
                mov w3, #2
                mov w4, #0
                bl desc
                mov x0, #0
                bl offer
                bl wait_used
                bl report
                bl system_off
                .ltorg
            """ + Driver;

        var (qemu, ours) = RunOnBoth("malformed", program, "-device", "virtio-rng-device", "-global", "virtio-mmio.force-legacy=false");

        Assert.True(qemu.Stdout == ours.Stdout, $"QEMU printed:\n{qemu.Stdout}\nthe emulator:\n{ours.Stdout}");
        Assert.Equal(NeedsReset + "\n" + Served + "\n", qemu.Stdout);
    }

    [Fact]
    public void MoreMalformedChains_NeedReset_WhileTheEmulatorGoesOn()
    {
        // Each case: start, build the chain, offer descriptor 0, report. Flags: NEXT 1, WRITE 2, INDIRECT 4.
        static string Case(string build) => "    bl start\n" + build + "\n    mov x0, #0\n    bl offer\n    bl report\n";
        static string Desc(int index, string address, int length, int flags, int next) =>
            $"    mov x0, #{index}\n    ldr x1, ={address}\n    mov w2, #{length}\n    mov w3, #{flags}\n    mov w4, #{next}\n    bl desc\n";

        // (A buffer beyond RAM is here, not in the comparison with QEMU: QEMU bounces such a buffer to the
        // unassigned address space and completes the request.)
        var program = "main:\n" +
            Case(Desc(0, "0x70000000", 8, 2, 0)) +
            // Indirect inside indirect: descriptor 0 -> table at BUF+0x100 whose entry is indirect again.
            Case(Desc(0, "BUF+0x100", 16, 4, 0) + "    ldr x5, =BUF+0x100\n    ldr x1, =BUF+0x200\n    str x1, [x5]\n    mov w2, #16\n    str w2, [x5, #8]\n    mov w3, #4\n    strh w3, [x5, #12]\n") +
            // A zero-sized buffer.
            Case(Desc(0, "BUF", 0, 2, 0)) +
            // A device-readable buffer given to the entropy device: it would write into a read-only buffer.
            Case(Desc(0, "BUF", 16, 0, 0)) +
            // A chain longer than the 8-entry queue, through a 9-entry indirect table at BUF+0x400.
            Case(Desc(0, "BUF+0x400", 9 * 16, 4, 0) + """
                    ldr x5, =BUF+0x400
                    mov x6, #0
                1:  ldr x1, =BUF
                    str x1, [x5]
                    mov w2, #8
                    str w2, [x5, #8]
                    cmp x6, #8
                    mov w3, #3
                    mov w7, #2
                    csel w3, w7, w3, eq
                    strh w3, [x5, #12]
                    add w4, w6, #1
                    strh w4, [x5, #14]
                    add x5, x5, #16
                    add x6, x6, #1
                    cmp x6, #9
                    b.ne 1b
                """) +
            Case(Desc(0, "BUF", 16, 2, 0) + "    ldr x5, =AVAIL\n    mov w6, #200\n    strh w6, [x5, #4]\n    mov x0, #200\n    bl offer\n    bl report\n    b 9f\n") +
            "9:  bl start\n" + Desc(0, "BUF", 16, 2, 0) + "    mov x0, #0\n    bl offer\n    bl wait_used\n    bl report\n    bl system_off\n    .ltorg\n" +
            Driver;
        var elf = BareMetalGuest.Build(_folder, "more-malformed", program);

        var ours = TestEnvironment.RunEmulator(ExitTimeout, "-kernel", elf, "-device", "virtio-rng-device", "-global", "virtio-mmio.force-legacy=false");

        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Equal(string.Concat(Enumerable.Repeat(NeedsReset + "\n", 6)) + Served + "\n", ours.Stdout);
        foreach (var mention in new[] { "outside RAM", "another indirect", "zero-sized", "read-only buffer", "longer than the queue", "beyond the queue size" })
        {
            Assert.Contains(mention, ours.Stderr, StringComparison.Ordinal);
        }
    }
}
