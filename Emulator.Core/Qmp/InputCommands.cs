using System.Text.Json.Nodes;
using Emulator.Core.Input;
using Emulator.Devices.Input;

namespace Emulator.Core.Qmp;

/// <summary>
/// QMP's send-key and input-send-event (QEMU 7.2's ui/input-legacy.c and ui/input.c, arguments as qapi/ui.json
/// declares them), handing the events to an <see cref="InputRouter"/>. send-key returns at once; its presses and
/// releases follow in time. With no keyboard, send-key does nothing and succeeds, while input-send-event refuses an
/// event no device takes ("Input handler not found for event type key"), as QEMU.
/// </summary>
public sealed class InputCommands
{
    private static readonly string[] Kinds = ["key", "btn", "rel", "abs"];

    private readonly InputRouter _router;
    private readonly Func<bool> _running;

    public InputCommands(InputRouter router, Func<bool> running)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(running);
        _router = router;
        _running = running;
    }

    /// <summary>Adds send-key and input-send-event to <paramref name="dispatcher"/>.</summary>
    public void Register(QmpDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        dispatcher.Register("send-key", SendKey);
        dispatcher.Register("input-send-event", SendEvent);
    }

    /// <summary>send-key { keys: [KeyValue], hold-time?: int }.</summary>
    public JsonNode? SendKey(JsonObject arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var keysNode = QmpVisitor.Array(QmpVisitor.Member(arguments, "", "keys")!, "keys");
        var keys = new List<string>();
        for (var i = 0; i < keysNode.Count; i++)
        {
            keys.Add(KeyValue(keysNode[i], $"keys[{i}]"));
        }

        long hold = 0;
        if (QmpVisitor.Member(arguments, "", "hold-time", optional: true) is { } holdNode)
        {
            hold = QmpVisitor.Integer(holdNode, "hold-time");
        }

        QmpVisitor.NoOthers(arguments, "", "keys", "hold-time");

        // QEMU keeps the delay in 32 bits (a negative hold-time is a very long one) and sends nothing while stopped.
        if (_running())
        {
            _router.SendKeys(keys, unchecked((uint)hold));
        }

        return null;
    }

    /// <summary>input-send-event { device?: str, head?: int, events: [InputEvent] }.</summary>
    public JsonNode? SendEvent(JsonObject arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string? device = null;
        if (QmpVisitor.Member(arguments, "", "device", optional: true) is { } deviceNode)
        {
            device = QmpVisitor.String(deviceNode, "device");
        }

        if (QmpVisitor.Member(arguments, "", "head", optional: true) is { } headNode)
        {
            QmpVisitor.Integer(headNode, "head");
        }

        var eventsNode = QmpVisitor.Array(QmpVisitor.Member(arguments, "", "events")!, "events");
        var events = new List<Action>();
        var kinds = new List<(string Kind, InputEventKinds Mask)>();
        for (var i = 0; i < eventsNode.Count; i++)
        {
            events.Add(Event(eventsNode[i], $"events[{i}]", out var kind));
            kinds.Add(kind);
        }

        QmpVisitor.NoOthers(arguments, "", "device", "head", "events");

        // This board's devices have no id= to name them; QEMU finds no console for an unknown name.
        if (device is not null)
        {
            throw new QmpException(QmpException.DeviceNotFound, $"Device '{device}' not found");
        }

        if (!_running())
        {
            throw QmpException.Generic("VM not running");
        }

        foreach (var (kind, mask) in kinds)
        {
            if (!_router.HasHandler(mask))
            {
                throw QmpException.Generic($"Input handler not found for event type {kind}");
            }
        }

        foreach (var send in events)
        {
            send();
        }

        _router.Sync();
        return null;
    }

    /// <summary>A KeyValue union { type: number|qcode, data }: the QKeyCode it means (a number through QEMU's table).</summary>
    private static string KeyValue(JsonNode? node, string path)
    {
        var key = QmpVisitor.Object(node!, path);
        var type = QmpVisitor.Enum(QmpVisitor.Member(key, path, "type")!, QmpVisitor.Path(path, "type"), "type", ["number", "qcode"]);
        var dataPath = QmpVisitor.Path(path, "data");
        var data = QmpVisitor.Member(key, path, "data")!;
        var name = type == "number"
            ? QKeyCodes.NameOfNumber(QmpVisitor.Integer(data, dataPath))
            : QmpVisitor.Enum(data, dataPath, "data", QKeyCodes.All.Select(k => k.Name));
        QmpVisitor.NoOthers(key, path, "type", "data");
        return name;
    }

    /// <summary>An InputEvent union { type: key|btn|rel|abs, data }: what sending it does, and its kind.</summary>
    private Action Event(JsonNode? node, string path, out (string Kind, InputEventKinds Mask) kind)
    {
        var input = QmpVisitor.Object(node!, path);
        var type = QmpVisitor.Enum(QmpVisitor.Member(input, path, "type")!, QmpVisitor.Path(path, "type"), "type", Kinds);
        var dataPath = QmpVisitor.Path(path, "data");
        var data = QmpVisitor.Object(QmpVisitor.Member(input, path, "data")!, dataPath);
        Action send;
        switch (type)
        {
            case "key":
                {
                    var key = KeyValue(QmpVisitor.Member(data, dataPath, "key"), QmpVisitor.Path(dataPath, "key"));
                    var down = QmpVisitor.Boolean(QmpVisitor.Member(data, dataPath, "down")!, QmpVisitor.Path(dataPath, "down"));
                    QmpVisitor.NoOthers(data, dataPath, "key", "down");
                    send = () => _router.KeyNow(key, down);
                    kind = ("key", InputEventKinds.Key);
                    break;
                }

            case "btn":
                {
                    var button = QmpVisitor.Enum(QmpVisitor.Member(data, dataPath, "button")!, QmpVisitor.Path(dataPath, "button"), "button", InputRouter.Buttons);
                    var down = QmpVisitor.Boolean(QmpVisitor.Member(data, dataPath, "down")!, QmpVisitor.Path(dataPath, "down"));
                    QmpVisitor.NoOthers(data, dataPath, "button", "down");
                    send = () => _router.Button(button, down);
                    kind = ("btn", InputEventKinds.Button);
                    break;
                }

            default:
                {
                    var axis = QmpVisitor.Enum(QmpVisitor.Member(data, dataPath, "axis")!, QmpVisitor.Path(dataPath, "axis"), "axis", InputRouter.Axes);
                    var value = QmpVisitor.Integer(QmpVisitor.Member(data, dataPath, "value")!, QmpVisitor.Path(dataPath, "value"));
                    QmpVisitor.NoOthers(data, dataPath, "axis", "value");
                    var absolute = type == "abs";
                    send = () => _router.Move(absolute, axis, value);
                    kind = absolute ? ("abs", InputEventKinds.Absolute) : ("rel", InputEventKinds.Relative);
                    break;
                }
        }

        QmpVisitor.NoOthers(input, path, "type", "data");
        return send;
    }
}
