using System.Text.Json.Nodes;
using Emulator.Core.Qmp;
using Emulator.Devices.Display;

namespace Emulator.Core.Tests.Qmp;

/// <summary>QMP over an in-memory connection, with the replies QEMU 7.2 gives to the same input.</summary>
public sealed class QmpSessionTests : IDisposable
{
    private const string Negotiate = "{\"execute\":\"qmp_capabilities\"}\n";

    private readonly FakeQmpMachine _machine = new();
    private readonly QmpDispatcher _dispatcher;
    private readonly string _folder = Directory.CreateTempSubdirectory("qmp-tests-").FullName;

    public QmpSessionTests()
    {
        _dispatcher = new QmpDispatcher(_machine);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Runs a session on <paramref name="input"/> and returns every message after the greeting.</summary>
    private List<JsonObject> Converse(string input, int chunk = int.MaxValue)
    {
        var stream = new ScriptedStream(input, chunk);
        new QmpSession(stream, _dispatcher).Run();
        var lines = stream.Output.Split("\r\n");
        Assert.Equal("", lines[^1]); // every message ends in CR LF
        var messages = lines[..^1].Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.True(messages[0].ContainsKey("QMP"));
        return messages[1..];
    }

    private static void AssertError(JsonObject reply, string errorClass, string description)
    {
        Assert.Equal(errorClass, (string?)reply["error"]?["class"]);
        Assert.Equal(description, (string?)reply["error"]?["desc"]);
    }

    [Fact]
    public void TheGreetingNamesAVersionAndCapabilities()
    {
        var stream = new ScriptedStream("");
        new QmpSession(stream, _dispatcher).Run();
        var greeting = JsonNode.Parse(stream.Output)!;
        Assert.Equal(7, (int?)greeting["QMP"]?["version"]?["qemu"]?["major"]);
        Assert.IsType<JsonArray>(greeting["QMP"]?["capabilities"]);
    }

    [Fact]
    public void RepliesAreWrittenWithQemusSpacing()
    {
        var stream = new ScriptedStream(Negotiate + "{\"execute\":\"nonesuch\",\"id\":[1,\"it's\"]}");
        new QmpSession(stream, _dispatcher).Run();
        var lines = stream.Output.Split("\r\n");
        Assert.Equal("{\"return\": {}}", lines[1]);
        Assert.Equal("{\"id\": [1, \"it's\"], \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nonesuch has not been found\"}}", lines[2]);
    }

    [Fact]
    public void CommandsBeforeNegotiationAreRefused()
    {
        var replies = Converse("{\"execute\":\"query-status\"}\n");
        AssertError(replies.Single(), "CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'");
    }

    [Fact]
    public void NegotiationReturnsAnEmptyObjectWithTheId()
    {
        var reply = Converse("{\"execute\":\"qmp_capabilities\",\"id\":7}").Single();
        Assert.Equal("{\"return\":{},\"id\":7}", reply.ToJsonString());
    }

    [Fact]
    public void ASecondNegotiationIsRefused()
    {
        var replies = Converse(Negotiate + Negotiate);
        AssertError(replies[1], "CommandNotFound", "Capabilities negotiation is already complete, command ignored");
    }

    [Fact]
    public void QueryStatusSaysRunning()
    {
        var reply = Converse(Negotiate + "{\"execute\":\"query-status\"}")[1];
        Assert.True((bool?)reply["return"]?["running"]);
        Assert.Equal("running", (string?)reply["return"]?["status"]);
    }

    [Fact]
    public void AnyJsonIdIsEchoedOnSuccessAndOnError()
    {
        var replies = Converse(Negotiate +
            "{\"execute\":\"query-status\",\"id\":{\"a\":[1,\"x\"]}}" +
            "{\"id\":\"abc\",\"execute\":\"nonesuch\"}");
        Assert.Equal("{\"a\":[1,\"x\"]}", replies[1]["id"]!.ToJsonString());
        Assert.Equal("abc", (string?)replies[2]["id"]);
    }

    [Fact]
    public void AnUnknownCommandIsCommandNotFound()
    {
        var reply = Converse(Negotiate + "{\"execute\":\"nonesuch\"}")[1];
        AssertError(reply, "CommandNotFound", "The command nonesuch has not been found");
    }

    [Theory]
    [InlineData("{\"execute\": }", "JSON parse error")]
    [InlineData("[1,2]", "QMP input must be a JSON object")]
    [InlineData("\"text\" ", "QMP input must be a JSON object")]
    [InlineData("{\"foo\":1}", "QMP input member 'foo' is unexpected")]
    [InlineData("{\"execute\":1}", "QMP input member 'execute' must be a string")]
    [InlineData("{}", "QMP input lacks member 'execute'")]
    [InlineData("{\"execute\":\"query-status\",\"arguments\":[]}", "QMP input member 'arguments' must be an object")]
    [InlineData("{\"execute\":\"query-status\",\"arguments\":{\"x\":1}}", "Parameter 'x' is unexpected")]
    public void BadInputIsAGenericErrorAndTheSessionGoesOn(string input, string description)
    {
        var replies = Converse(Negotiate + input + "\n{\"execute\":\"query-status\",\"id\":2}");
        Assert.Equal(3, replies.Count);
        Assert.Equal("GenericError", (string?)replies[1]["error"]?["class"]);
        Assert.StartsWith(description, (string?)replies[1]["error"]?["desc"]);
        Assert.Equal(2, (int?)replies[2]["id"]);
        Assert.True(replies[2].ContainsKey("return"));
    }

    [Fact]
    public void RequestsSplitAcrossReadsAndSharingALineAreEachAnswered()
    {
        var replies = Converse(Negotiate + "{\"execute\":\"query-status\",\"id\":\"a}{\"} {\"execute\":\"query-status\",\"id\":2}\n", chunk: 1);
        Assert.Equal(3, replies.Count);
        Assert.Equal("a}{", (string?)replies[1]["id"]);
        Assert.Equal(2, (int?)replies[2]["id"]);
    }

    [Fact]
    public void SingleQuotedStringsAreTakenAsQemuTakesThem()
    {
        var replies = Converse("{'execute': 'qmp_capabilities', 'id': 'a\"b\\'c{'}\n{\"execute\":\"query-status\",\"id\":\"it's\"}");
        Assert.Equal("a\"b'c{", (string?)replies[0]["id"]);
        Assert.Equal("it's", (string?)replies[1]["id"]);
    }

    [Fact]
    public void QuitAnnouncesShutdownRepliesAndOnlyThenQuits()
    {
        var stream = new ScriptedStream(Negotiate + "{\"execute\":\"quit\"}");
        var sentBeforeQuit = "";
        _machine.OnQuit = () => sentBeforeQuit = stream.Output;
        new QmpSession(stream, _dispatcher).Run();

        var messages = stream.Output.Split("\r\n")[2..^1].Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal("SHUTDOWN", (string?)messages[0]["event"]);
        Assert.False((bool?)messages[0]["data"]?["guest"]);
        Assert.Equal("host-qmp-quit", (string?)messages[0]["data"]?["reason"]);
        Assert.True(messages[0]["timestamp"]?["seconds"] is not null);
        Assert.Equal("{\"return\":{}}", messages[1].ToJsonString());
        Assert.Equal(1, _machine.Quits);
        Assert.Equal(stream.Output, sentBeforeQuit);
    }

    [Fact]
    public void SystemPowerdownPressesThePowerButtonAfterAPowerdownEvent()
    {
        var replies = Converse(Negotiate + "{\"execute\":\"system_powerdown\"}");
        Assert.Equal("POWERDOWN", (string?)replies[1]["event"]);
        Assert.True(replies[2].ContainsKey("return"));
        Assert.Equal(1, _machine.PowerDowns);
    }

    [Fact]
    public void EventsAreNotSentBeforeNegotiation()
    {
        var stream = new ScriptedStream("");
        _dispatcher.Emit("SHUTDOWN");
        new QmpSession(stream, _dispatcher).Run();
        Assert.Single(stream.Output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void ARegisteredCommandIsDispatchedWithItsArguments()
    {
        JsonObject? seen = null;
        _dispatcher.Register("send-key", arguments =>
        {
            seen = arguments;
            return null;
        });
        var reply = Converse(Negotiate + "{\"execute\":\"send-key\",\"arguments\":{\"keys\":[{\"type\":\"qcode\",\"data\":\"a\"}]}}")[1];
        Assert.True(reply.ContainsKey("return"));
        Assert.Equal("a", (string?)seen?["keys"]?[0]?["data"]);
    }

    [Fact]
    public void ACommandThatFailsUnexpectedlyIsAGenericErrorAndTheSessionGoesOn()
    {
        _dispatcher.Register("broken", _ => throw new InvalidOperationException("oops"));
        var replies = Converse(Negotiate + "{\"execute\":\"broken\"}{\"execute\":\"query-status\"}");
        AssertError(replies[1], "GenericError", "broken failed: oops");
        Assert.True(replies[2].ContainsKey("return"));
    }

    [Theory]
    [InlineData("{\"execute\":\"query-status\",\"execute\":\"quit\"}")]
    [InlineData("{\"execute\":\"query-status\",\"id\":\"\\ud800\"}")]
    [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")]
    [InlineData("}")]
    [InlineData("\u00ff\ufffe'")]
    public void GarbageNeverEndsTheSession(string input)
    {
        var replies = Converse(Negotiate + input + "\n{\"execute\":\"query-status\",\"id\":9}\n");
        Assert.Equal(9, (int?)replies[^1]["id"]);
        Assert.Equal(0, _machine.Quits);
    }

    [Fact]
    public void ARegisteredCommandsErrorKeepsItsClass()
    {
        _dispatcher.Register("input-send-event", _ => throw new QmpException("DeviceNotFound", "no input device"));
        AssertError(Converse(Negotiate + "{\"execute\":\"input-send-event\"}")[1], "DeviceNotFound", "no input device");
    }

    [Fact]
    public void ScreendumpWritesThePictureAsPpmByDefault()
    {
        _machine.Display = new FixedDisplay(new DisplayFrame(2, 1, [0xFF01_0203, 0xFFA0_B0C0], 1));
        var path = Path.Combine(_folder, "shot.ppm");
        var reply = Converse(Negotiate + $"{{\"execute\":\"screendump\",\"arguments\":{{\"filename\":\"{path}\"}}}}")[1];
        Assert.Equal("{\"return\":{}}", reply.ToJsonString());
        Assert.Equal([.. "P6\n2 1\n255\n"u8, 1, 2, 3, 0xA0, 0xB0, 0xC0], File.ReadAllBytes(path));
    }

    [Fact]
    public void ScreendumpWritesPngWhenAsked()
    {
        _machine.Display = new FixedDisplay(new DisplayFrame(2, 1, [0xFF01_0203, 0xFFA0_B0C0], 1));
        var path = Path.Combine(_folder, "shot.png");
        Converse(Negotiate + $"{{\"execute\":\"screendump\",\"arguments\":{{\"filename\":\"{path}\",\"format\":\"png\"}}}}");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(path)[..4]);
    }

    [Fact]
    public void ScreendumpWithoutAPictureSavesQemusPlaceholderSize()
    {
        _machine.Display = new FixedDisplay(null);
        var path = Path.Combine(_folder, "none.ppm");
        Converse(Negotiate + $"{{\"execute\":\"screendump\",\"arguments\":{{\"filename\":\"{path}\"}}}}");
        Assert.StartsWith("P6\n640 480\n255\n", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(path)[..15]));
    }

    [Theory]
    [InlineData("{}", "Parameter 'filename' is missing")]
    [InlineData("{\"filename\":\"/nonexistent-folder/x.ppm\"}", "failed to open file '/nonexistent-folder/x.ppm': No such file or directory")]
    [InlineData("{\"filename\":\"x\",\"format\":\"bmp\"}", "Parameter 'format' does not accept value 'bmp'")]
    [InlineData("{\"filename\":1}", "Invalid parameter type for 'filename', expected: string")]
    public void ScreendumpErrorsAreQemus(string arguments, string description)
    {
        var reply = Converse(Negotiate + $"{{\"execute\":\"screendump\",\"arguments\":{arguments}}}")[1];
        AssertError(reply, "GenericError", description);
    }
}
