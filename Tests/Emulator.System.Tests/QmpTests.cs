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
        var elf = BareMetalGuest.Build(_folder, "ramfb", RamfbGuest.Source);
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
        Assert.Equal(13 + (RamfbGuest.Width * RamfbGuest.Height * 3), ours.Picture.Length);
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
