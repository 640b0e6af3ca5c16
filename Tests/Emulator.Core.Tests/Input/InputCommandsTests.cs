using System.Text.Json.Nodes;
using Emulator.Core.Input;
using Emulator.Core.Qmp;
using Emulator.Devices.Virtio;

namespace Emulator.Core.Tests.Input;

/// <summary>send-key and input-send-event's arguments and errors, as QEMU 7.2 words them (checked against it by the system tests).</summary>
public sealed class InputCommandsTests
{
    private readonly InputTestGuest _keyboard = new(VirtioInputProfile.Keyboard());
    private readonly InputTestGuest _tablet = new(VirtioInputProfile.Tablet());

    private static JsonObject Arguments(string json) => JsonNode.Parse(json)!.AsObject();

    private InputCommands Commands(InputRouter router, bool running = true) => new(router, () => running);

    private static void AssertError(string message, Action action, string errorClass = QmpException.GenericError)
    {
        var error = Assert.Throws<QmpException>(action);
        Assert.Equal(message, error.Message);
        Assert.Equal(errorClass, error.ErrorClass);
    }

    [Theory]
    [InlineData("""{"keys":[{"type":"qcode","data":"foo"}]}""", "Parameter 'data' does not accept value 'foo'")]
    [InlineData("""{"keys":[{"type":"bogus","data":1}]}""", "Parameter 'type' does not accept value 'bogus'")]
    [InlineData("""{"keys":[{"data":"a"}]}""", "Parameter 'keys[0].type' is missing")]
    [InlineData("""{"keys":[{"type":"qcode"}]}""", "Parameter 'keys[0].data' is missing")]
    [InlineData("""{"keys":[{"type":"number","data":"x"}]}""", "Invalid parameter type for 'keys[0].data', expected: integer")]
    [InlineData("""{"keys":[{"type":"qcode","data":5}]}""", "Invalid parameter type for 'keys[0].data', expected: string")]
    [InlineData("""{"keys":[{"type":"qcode","data":"a","x":1}]}""", "Parameter 'keys[0].x' is unexpected")]
    [InlineData("""{}""", "Parameter 'keys' is missing")]
    [InlineData("""{"keys":"a"}""", "Invalid parameter type for 'keys', expected: array")]
    [InlineData("""{"keys":["a"]}""", "Invalid parameter type for 'keys[0]', expected: object")]
    [InlineData("""{"keys":[],"hold-time":1.5}""", "Invalid parameter type for 'hold-time', expected: integer")]
    [InlineData("""{"keys":[],"foo":1}""", "Parameter 'foo' is unexpected")]
    public void SendKey_RefusesWhatQemuRefuses(string arguments, string message)
    {
        using var router = new InputRouter(() => [_keyboard.Device]);
        AssertError(message, () => Commands(router).SendKey(Arguments(arguments)));
        Assert.Empty(_keyboard.Events());
    }

    [Fact]
    public void SendKey_TakesKeyNumbers_AsQemusScanCodes()
    {
        using var router = new InputRouter(() => [_keyboard.Device]);

        Commands(router).SendKey(Arguments("""{"keys":[{"type":"number","data":28}],"hold-time":1}"""));

        Assert.Equal("1 28 1", _keyboard.Events()[0]);
    }

    [Fact]
    public void SendKey_WithNoKeyboard_Succeeds()
    {
        using var router = new InputRouter(() => [_tablet.Device]);

        Assert.Null(Commands(router).SendKey(Arguments("""{"keys":[{"type":"qcode","data":"a"}]}""")));
        Assert.Empty(_tablet.Events());
    }

    [Theory]
    [InlineData("""{"events":[{"type":"wheel","data":{}}]}""", "Parameter 'type' does not accept value 'wheel'")]
    [InlineData("""{"events":[{"type":"abs"}]}""", "Parameter 'events[0].data' is missing")]
    [InlineData("""{"events":[{"type":"key","data":{"key":{"type":"qcode","data":"a"}}}]}""", "Parameter 'events[0].data.down' is missing")]
    [InlineData("""{"events":[{"type":"btn","data":{"button":"nope","down":true}}]}""", "Parameter 'button' does not accept value 'nope'")]
    [InlineData("""{"events":[{"type":"abs","data":{"axis":"z","value":1}}]}""", "Parameter 'axis' does not accept value 'z'")]
    [InlineData("""{"events":[{"type":"abs","data":{"axis":"x","value":"1"}}]}""", "Invalid parameter type for 'events[0].data.value', expected: integer")]
    [InlineData("""{"events":[{"type":"btn","data":{"button":"left","down":1}}]}""", "Invalid parameter type for 'events[0].data.down', expected: boolean")]
    [InlineData("""{"events":[{"type":"rel","data":{"axis":"x","value":1}}]}""", "Input handler not found for event type rel")]
    [InlineData("""{}""", "Parameter 'events' is missing")]
    public void InputSendEvent_RefusesWhatQemuRefuses(string arguments, string message)
    {
        using var router = new InputRouter(() => [_keyboard.Device, _tablet.Device]);
        AssertError(message, () => Commands(router).SendEvent(Arguments(arguments)));
        Assert.Empty(_keyboard.Events());
        Assert.Empty(_tablet.Events());
    }

    [Fact]
    public void InputSendEvent_ChecksEveryEvent_BeforeSendingAny()
    {
        using var router = new InputRouter(() => [_tablet.Device]);

        AssertError("Input handler not found for event type key", () => Commands(router).SendEvent(Arguments(
            """{"events":[{"type":"abs","data":{"axis":"x","value":1}},{"type":"key","data":{"key":{"type":"qcode","data":"a"},"down":true}}]}""")));
        Assert.Empty(_tablet.Events());
    }

    [Fact]
    public void InputSendEvent_NamingADevice_IsDeviceNotFound()
    {
        using var router = new InputRouter(() => [_tablet.Device]);
        AssertError("Device 'video0' not found", () => Commands(router).SendEvent(Arguments(
            """{"device":"video0","events":[{"type":"abs","data":{"axis":"x","value":1}}]}""")), QmpException.DeviceNotFound);
    }

    [Fact]
    public void InputSendEvent_WhileStopped_IsRefused()
    {
        using var router = new InputRouter(() => [_tablet.Device]);
        AssertError("VM not running", () => Commands(router, running: false).SendEvent(Arguments(
            """{"events":[{"type":"abs","data":{"axis":"x","value":1}}]}""")));
    }

    [Fact]
    public void InputSendEvent_SendsTheEvents_ThenOneSynReportPerDevice()
    {
        using var router = new InputRouter(() => [_keyboard.Device, _tablet.Device]);

        Commands(router).SendEvent(Arguments("""
            {"head":0,"events":[{"type":"abs","data":{"axis":"x","value":16384}},{"type":"abs","data":{"axis":"y","value":8192}},
             {"type":"btn","data":{"button":"right","down":true}},{"type":"key","data":{"key":{"type":"qcode","data":"esc"},"down":true}}]}
            """));

        Assert.Equal(["3 0 16384", "3 1 8192", "1 273 1", "0 0 0"], _tablet.Events());
        Assert.Equal(["1 1 1", "0 0 0"], _keyboard.Events());
    }

    [Fact]
    public void Register_AddsBothCommands_ToTheDispatcher()
    {
        using var router = new InputRouter(() => [_keyboard.Device]);
        var dispatcher = new QmpDispatcher(new Tests.Qmp.FakeQmpMachine());
        Commands(router).Register(dispatcher);
        var negotiated = true;

        var reply = dispatcher.Handle("""{"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":"nope"}]},"id":7}""", ref negotiated);

        Assert.Equal(7, (int)reply.Response["id"]!);
        Assert.Equal("Parameter 'data' does not accept value 'nope'", (string?)reply.Response["error"]?["desc"]);
    }
}
