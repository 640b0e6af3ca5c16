using System.Text.Json.Nodes;

namespace Emulator.System.Tests;

/// <summary>
/// QMP and ramfb against QEMU as the oracle: a bare-metal guest sets up ramfb as firmware does (it finds
/// etc/ramfb in the fw_cfg directory and writes its configuration by DMA) and draws a picture; the same QMP
/// conversation with qemu-system-aarch64 and with the emulator must get the same replies (timestamps and the
/// greeting's version aside) and byte-identical screendumps.
/// </summary>
public sealed class QmpTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const int Width = 64;
    private const int Height = 48;

    /// <summary>
    /// Waits for a byte on the serial console, then configures a 64x48 XR24 ramfb at 0x41000000 and fills it
    /// with a pattern; prints what it does, and idles.
    /// </summary>
    private static readonly string RamfbGuest = $$"""
            .equ FW_CFG, 0x09020000
            .equ UART_FR, 0x09000018
            .equ FB, 0x41000000
            .equ WIDTH, {{Width}}
            .equ HEIGHT, {{Height}}

        main:
            ldr x1, =waiting
            bl puts
            ldr x2, =UART_FR
        0:  ldr w3, [x2]
            tbnz w3, #4, 0b              // RXFE: nothing typed yet

            // Select the file directory (key 0x19): a 16-bit big-endian selector.
            ldr x9, =FW_CFG
            mov w0, #0x19
            rev16 w0, w0
            strh w0, [x9, #8]
            .macro read_be reg, count
            mov \reg, #0
            .rept \count
            ldrb w4, [x9]
            orr \reg, w4, \reg, lsl #8
            .endr
            .endm
            read_be w10, 4               // number of files
        1:  cbz w10, not_found
            read_be w11, 4               // size
            read_be w12, 2               // selector
            read_be w11, 2               // reserved
            ldr x1, =name
            mov x3, #56
        2:  ldrb w4, [x9]
            strb w4, [x1], #1
            subs x3, x3, #1
            b.ne 2b
            ldr x1, =name
            ldr x2, =ramfb_name
        3:  ldrb w4, [x1], #1
            ldrb w5, [x2], #1
            cmp w4, w5
            b.ne 4f
            cbnz w4, 3b
            b found
        4:  sub w10, w10, #1
            b 1b

        found:
            // RAMFBCfg, big-endian: addr, fourcc, flags, width, height, stride.
            ldr x1, =cfg
            ldr x2, =FB
            rev x2, x2
            str x2, [x1]
            ldr w2, =0x34325258          // XR24
            rev w2, w2
            str w2, [x1, #8]
            str wzr, [x1, #12]
            mov w2, #WIDTH
            rev w2, w2
            str w2, [x1, #16]
            mov w2, #HEIGHT
            rev w2, w2
            str w2, [x1, #20]
            str wzr, [x1, #24]
            // FWCfgDmaAccess: control = selector << 16 | select | write, length 28, address of cfg.
            ldr x1, =dma
            lsl w2, w12, #16
            orr w2, w2, #(8 | 16)
            rev w2, w2
            str w2, [x1]
            mov w2, #28
            rev w2, w2
            str w2, [x1, #4]
            ldr x2, =cfg
            rev x2, x2
            str x2, [x1, #8]
            rev x2, x1
            str x2, [x9, #16]            // the DMA address register, big-endian: starts the transfer
            ldr w2, [x1]
            cbnz w2, dma_failed

            // Pixel (x, y) = red x*4, green y*5, blue (x^y)*3, with junk in the unused byte.
            ldr x1, =FB
            mov w6, #0                   // y
        5:  mov w5, #0                   // x
        6:  lsl w7, w5, #2
            mov w8, #5
            mul w8, w6, w8
            eor w3, w5, w6
            add w3, w3, w3, lsl #1
            and w3, w3, #0xff
            lsl w7, w7, #16
            orr w7, w7, w8, lsl #8
            orr w7, w7, w3
            orr w7, w7, #0xf0000000
            str w7, [x1], #4
            add w5, w5, #1
            cmp w5, #WIDTH
            b.ne 6b
            add w6, w6, #1
            cmp w6, #HEIGHT
            b.ne 5b
            ldr x1, =ready
            bl puts
            b idle

        not_found:
            ldr x1, =missing
            bl puts
            b idle
        dma_failed:
            ldr x1, =failed
            bl puts
        idle:
            wfi
            b idle
            .ltorg

            .data
            .balign 16
        dma: .skip 16
        cfg: .skip 32
        name: .skip 64
        ramfb_name: .asciz "etc/ramfb"
        waiting: .asciz "waiting\n"
        ready: .asciz "ramfb ready\n"
        missing: .asciz "no etc/ramfb\n"
        failed: .asciz "DMA failed\n"
        """;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>The conversation, on one machine: every reply and both screendumps' bytes.</summary>
    private sealed record Transcript(List<JsonObject> Messages, List<string> Lines, byte[] Placeholder, byte[] Picture, byte[] PicturePng, int ExitCode);

    private Transcript Converse(string name, Func<string[], GuestConsole> start, string elf)
    {
        var socket = _folder.File($"{name}.sock");
        using var console = start(["-kernel", elf, "-device", "ramfb", "-qmp", $"unix:{socket},server=on,wait=off"]);
        console.WaitFor("waiting\n", Timeout);
        using var qmp = QmpClient.Connect(socket, Timeout, console.Describe);

        var messages = new List<JsonObject> { qmp.Greeting };
        var placeholder = _folder.File($"{name}-empty.ppm");
        var picture = _folder.File($"{name}.ppm");
        var png = _folder.File($"{name}.png");
        messages.AddRange(qmp.Execute("""{"execute":"query-status"}"""));
        messages.AddRange(qmp.Execute("""{"execute":"qmp_capabilities","id":1}"""));
        messages.AddRange(qmp.Execute("""{"execute":"qmp_capabilities","id":2}"""));
        messages.AddRange(qmp.Execute("""{"execute":"query-status","id":"status"}"""));
        messages.AddRange(qmp.Execute("""{"execute":"no-such-command","id":[3]}"""));
        messages.AddRange(qmp.Execute("""{"execute":"query-status","bogus":1}"""));
        messages.AddRange(qmp.Execute("""{"execute":"query-status","arguments":{"bogus":1}}"""));
        messages.AddRange(qmp.Execute("""[1, 2]"""));
        messages.AddRange(qmp.Execute("""{"execute":"screendump","arguments":{"filename":"/nonexistent-folder/x.ppm"}}"""));
        messages.AddRange(qmp.Execute("""{"execute":"screendump","arguments":{"filename":"x","format":"bmp"}}"""));
        messages.AddRange(qmp.Execute(ScreenDump(placeholder)));

        console.Send((byte)'g');
        console.WaitFor("ramfb ready\n", Timeout);
        messages.AddRange(qmp.Execute(ScreenDump(picture)));
        messages.AddRange(qmp.Execute(ScreenDump(png, "png")));
        messages.AddRange(qmp.Execute("""{"execute":"system_powerdown","id":4}"""));
        messages.AddRange(qmp.Execute("""{"execute":"quit","id":5}"""));
        var exitCode = console.WaitForExit(Timeout);
        return new Transcript(messages, qmp.Lines, File.ReadAllBytes(placeholder), File.ReadAllBytes(picture), File.ReadAllBytes(png), exitCode);
    }

    private static string ScreenDump(string path, string? format = null)
    {
        var arguments = new JsonObject { ["filename"] = path };
        if (format is not null)
        {
            arguments["format"] = format;
        }

        return new JsonObject { ["execute"] = "screendump", ["arguments"] = arguments }.ToJsonString();
    }

    /// <summary>A message with what legitimately differs removed: event timestamps, the greeting's version and capabilities.</summary>
    private static string Comparable(JsonObject message)
    {
        var copy = message.DeepClone().AsObject();
        copy.Remove("timestamp");
        if (copy["QMP"] is JsonObject greeting)
        {
            Assert.True(greeting["version"]?["qemu"]?["major"] is not null, $"the greeting has no version: {message}");
            Assert.IsType<JsonArray>(greeting["capabilities"]);
            greeting.Remove("version");
            greeting.Remove("capabilities");
        }

        if (copy["error"]?["desc"] is JsonValue desc && ((string?)desc)!.StartsWith("JSON parse error", StringComparison.Ordinal))
        {
            copy["error"]!["desc"] = "JSON parse error";
        }

        return copy.ToJsonString();
    }

    [Fact]
    public void TheSameConversationGetsQemusRepliesAndPictures()
    {
        var elf = BareMetalGuest.Build(_folder, "ramfb", RamfbGuest);
        var qemu = Converse("qemu", arguments => GuestConsole.StartQemu(arguments), elf);
        var ours = Converse("ours", arguments => GuestConsole.Start(arguments), elf);

        Assert.Equal(qemu.Messages.Select(Comparable), ours.Messages.Select(Comparable));
        // Same messages in the same text: QEMU's spacing is what QmpJson writes, for QEMU's lines and ours.
        Assert.All(qemu.Lines.Concat(ours.Lines), line => Assert.Equal(line, Core.Qmp.QmpJson.Format(JsonNode.Parse(line))));
        Assert.Equal(0, qemu.ExitCode);
        Assert.Equal(0, ours.ExitCode);

        // Before the guest sets ramfb up, both save a 640x480 placeholder (QEMU's carries a line of text).
        var header = "P6\n640 480\n255\n"u8.ToArray();
        Assert.Equal(header, qemu.Placeholder[..header.Length]);
        Assert.Equal(header, ours.Placeholder[..header.Length]);
        Assert.Equal(qemu.Placeholder.Length, ours.Placeholder.Length);

        // The guest's picture, byte for byte as QEMU saves it.
        Assert.Equal(qemu.Picture, ours.Picture);
        Assert.Equal(13 + (Width * Height * 3), ours.Picture.Length);
        Assert.Equal("P6\n64 48\n255\n"u8.ToArray(), ours.Picture[..13]);
        Assert.Equal([4 * 1, 5 * 0, 3 * 1], ours.Picture[(13 + 3)..(13 + 6)]); // pixel (1, 0)

        // The PNG carries the same size in its header as QEMU's.
        Assert.Equal(qemu.PicturePng[..24], ours.PicturePng[..24]);
    }

    /// <summary>Arms a rising-edge interrupt on PL061 line 3 (masked: it polls the raw status), reports the press, then the release.</summary>
    private const string PowerButtonGuest = """
            .equ GPIO, 0x09030000
        main:
            ldr x9, =GPIO
            mov w0, #8
            str w0, [x9, #0x40C]         // GPIOIEV: line 3 on its rising edge (GPIOIS and GPIOIBE stay 0: edge)
            ldr x1, =armed
            bl puts
        1:  ldr w0, [x9, #0x414]         // GPIORIS
            tbz w0, #3, 1b
            mov w0, #8
            str w0, [x9, #0x41C]         // GPIOIC
            ldr x1, =pressed
            bl puts
        2:  ldr w0, [x9, #0x20]          // GPIODATA, the address selecting line 3 only
            cbnz w0, 2b
            ldr x1, =released
            bl puts
        3:  wfi
            b 3b
            .ltorg
        armed: .asciz "armed\n"
        pressed: .asciz "pressed\n"
        released: .asciz "released\n"
        """;

    [Fact]
    public void SystemPowerdown_PulsesPl061Line3_AsOnQemu()
    {
        var elf = BareMetalGuest.Build(_folder, "button", PowerButtonGuest);
        foreach (var (name, start) in new (string, Func<string[], GuestConsole>)[] { ("qemu", a => GuestConsole.StartQemu(a)), ("ours", a => GuestConsole.Start(a)) })
        {
            var socket = _folder.File($"{name}-button.sock");
            using var console = start(["-kernel", elf, "-qmp", $"unix:{socket},server=on,wait=off"]);
            console.WaitFor("armed\n", Timeout);
            using var qmp = QmpClient.Connect(socket, Timeout, console.Describe);
            qmp.Execute("""{"execute":"qmp_capabilities"}""");
            Assert.DoesNotContain("pressed", console.Output);

            var replies = qmp.Execute("""{"execute":"system_powerdown"}""");
            Assert.Equal("POWERDOWN", (string?)replies[0]["event"]);
            console.WaitFor("pressed\n", Timeout);
            console.WaitFor("released\n", Timeout);

            qmp.Execute("""{"execute":"quit"}""");
            Assert.Equal(0, console.WaitForExit(Timeout));
        }
    }
}
