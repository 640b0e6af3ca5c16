using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Devices.Display;

namespace Emulator.Core.Qmp;

/// <summary>
/// QMP's command layer (QEMU docs/interop/qmp-spec.rst): checks a request as QEMU 7.2 does, runs the command,
/// and builds the response with the request's id. The built-in commands are qmp_capabilities, query-status,
/// screendump, system_powerdown and quit; other devices add theirs with <see cref="Register"/> (virtio-input
/// will add send-key and input-send-event). Events go to every negotiated session through <see cref="EventRaised"/>.
/// </summary>
public sealed class QmpDispatcher
{
    public const string Capabilities = "qmp_capabilities";

    /// <summary>QEMU's picture when no guest has set up a display: 640x480 (QEMU adds a line of text; this one is black).</summary>
    public const int PlaceholderWidth = 640;
    public const int PlaceholderHeight = 480;

    private readonly IQmpMachine _machine;
    private readonly Dictionary<string, QmpCommand> _commands = new(StringComparer.Ordinal);
    private readonly Lock _commandsGate = new();

    public QmpDispatcher(IQmpMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        _machine = machine;
        Register("query-status", QueryStatus);
        Register("query-version", QueryVersion);
        Register("query-commands", QueryCommands);
        Register("screendump", ScreenDump);
        Register("system_powerdown", PowerDown);
    }

    /// <summary>An event: the full message, {"event", "data", "timestamp"}.</summary>
    public event Action<JsonObject>? EventRaised;

    /// <summary>The version the greeting and query-version report: the QEMU whose behaviour this machine follows.</summary>
    public static JsonObject Version() => new()
    {
        ["qemu"] = new JsonObject { ["micro"] = 0, ["minor"] = 2, ["major"] = 7 },
        ["package"] = "virt-emulator",
    };

    /// <summary>The first message on every connection.</summary>
    public static JsonObject Greeting() => new()
    {
        ["QMP"] = new JsonObject { ["version"] = Version(), ["capabilities"] = new JsonArray() },
    };

    /// <summary>Adds a command (or replaces one of the same name).</summary>
    public void Register(string name, QmpCommand command)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(command);
        lock (_commandsGate)
        {
            _commands[name] = command;
        }
    }

    /// <summary>Sends an event to every negotiated session.</summary>
    public void Emit(string name, JsonObject? data = null)
    {
        var now = DateTimeOffset.UtcNow;
        var message = new JsonObject
        {
            ["timestamp"] = new JsonObject
            {
                ["seconds"] = now.ToUnixTimeSeconds(),
                ["microseconds"] = now.Ticks % TimeSpan.TicksPerSecond / 10,
            },
            ["event"] = name,
        };
        if (data is not null)
        {
            message["data"] = data;
        }

        EventRaised?.Invoke(message);
    }

    /// <summary>
    /// Handles one JSON text from a client. <paramref name="negotiated"/> is the session's state: false until
    /// qmp_capabilities succeeds, when it becomes true.
    /// </summary>
    public QmpReply Handle(string text, ref bool negotiated)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(QmpJsonSplitter.ToStandardJson(text));
            CheckWhole(node);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            // ArgumentException: a name given twice in one object, which QEMU also refuses.
            return new QmpReply(Error(QmpException.GenericError, $"JSON parse error, {FirstSentence(e.Message)}", null));
        }

        if (node is not JsonObject request)
        {
            return new QmpReply(Error(QmpException.GenericError, "QMP input must be a JSON object", null));
        }

        var id = request["id"]?.DeepClone();
        try
        {
            var (name, arguments) = CheckRequest(request);
            if (!negotiated)
            {
                if (name != Capabilities)
                {
                    throw new QmpException(QmpException.CommandNotFound, "Expecting capabilities negotiation with 'qmp_capabilities'");
                }

                CheckArguments(arguments, optional: ["enable"]);
                if (arguments["enable"] is JsonArray { Count: > 0 } enable)
                {
                    throw QmpException.Generic($"Capability '{enable[0]}' not available");
                }

                negotiated = true;
                return new QmpReply(Return(new JsonObject(), id));
            }

            switch (name)
            {
                case Capabilities:
                    throw new QmpException(QmpException.CommandNotFound, "Capabilities negotiation is already complete, command ignored");
                case "quit":
                    CheckArguments(arguments);
                    Emit("SHUTDOWN", new JsonObject { ["guest"] = false, ["reason"] = "host-qmp-quit" });
                    return new QmpReply(Return(new JsonObject(), id), _machine.Quit);
            }

            QmpCommand? command;
            lock (_commandsGate)
            {
                command = _commands.GetValueOrDefault(name);
            }

            if (command is null)
            {
                throw new QmpException(QmpException.CommandNotFound, $"The command {name} has not been found");
            }

            return new QmpReply(Return(Run(name, command, arguments), id));
        }
        catch (QmpException e)
        {
            return new QmpReply(Error(e.ErrorClass, e.Message, id));
        }
    }

    /// <summary>Runs a command; a failure it did not expect becomes a GenericError instead of ending the QMP thread.</summary>
    private static JsonNode Run(string name, QmpCommand command, JsonObject arguments)
    {
        try
        {
            return command(arguments) ?? new JsonObject();
        }
        catch (Exception e) when (e is not QmpException)
        {
            throw QmpException.Generic($"{name} failed: {e.Message}");
        }
    }

    /// <summary>
    /// Reads every member and string now: JsonNode parses lazily, and a name given twice or a lone surrogate
    /// would otherwise fail later, outside the parse error's handling.
    /// </summary>
    private static void CheckWhole(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject members:
                foreach (var (_, value) in members)
                {
                    CheckWhole(value);
                }

                break;
            case JsonArray elements:
                foreach (var element in elements)
                {
                    CheckWhole(element);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                _ = value.GetValue<string>();
                break;
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf('.');
        return end > 0 ? message[..end] : message;
    }

    /// <summary>The request's form: only execute (a string), arguments (an object) and id.</summary>
    private static (string Name, JsonObject Arguments) CheckRequest(JsonObject request)
    {
        foreach (var (key, _) in request)
        {
            if (key is not ("execute" or "arguments" or "id"))
            {
                throw QmpException.Generic(key == "exec-oob"
                    ? "Out-of-band execution is not supported"
                    : $"QMP input member '{key}' is unexpected");
            }
        }

        if (!request.TryGetPropertyValue("execute", out var execute))
        {
            throw QmpException.Generic("QMP input lacks member 'execute'");
        }

        if (execute is not JsonValue value || !value.TryGetValue<string>(out var name))
        {
            throw QmpException.Generic("QMP input member 'execute' must be a string");
        }

        if (!request.TryGetPropertyValue("arguments", out var arguments))
        {
            return (name, new JsonObject());
        }

        return arguments is JsonObject argumentObject
            ? (name, argumentObject)
            : throw QmpException.Generic("QMP input member 'arguments' must be an object");
    }

    /// <summary>QEMU's checks of a command's arguments: required ones present, no others.</summary>
    public static void CheckArguments(JsonObject arguments, string[]? required = null, string[]? optional = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        foreach (var (key, _) in arguments)
        {
            if (!(required?.Contains(key) ?? false) && !(optional?.Contains(key) ?? false))
            {
                throw QmpException.Generic($"Parameter '{key}' is unexpected");
            }
        }

        foreach (var key in required ?? [])
        {
            if (!arguments.ContainsKey(key))
            {
                throw QmpException.Generic($"Parameter '{key}' is missing");
            }
        }
    }

    /// <summary>A string argument, or null when absent.</summary>
    public static string? StringArgument(JsonObject arguments, string name)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!arguments.TryGetPropertyValue(name, out var node))
        {
            return null;
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : throw QmpException.Generic($"Invalid parameter type for '{name}', expected: string");
    }

    private static JsonObject Return(JsonNode value, JsonNode? id)
    {
        var response = new JsonObject { ["return"] = value };
        if (id is not null)
        {
            response["id"] = id;
        }

        return response;
    }

    /// <summary>An error response; QEMU puts the id first in these (and last in returns).</summary>
    private static JsonObject Error(string errorClass, string description, JsonNode? id)
    {
        var response = new JsonObject();
        if (id is not null)
        {
            response["id"] = id;
        }

        response["error"] = new JsonObject { ["class"] = errorClass, ["desc"] = description };
        return response;
    }

    private JsonNode QueryStatus(JsonObject arguments)
    {
        CheckArguments(arguments);
        var running = _machine.IsRunning;
        return new JsonObject
        {
            ["status"] = running ? "running" : "paused",
            ["singlestep"] = false,
            ["running"] = running,
        };
    }

    private static JsonNode QueryVersion(JsonObject arguments)
    {
        CheckArguments(arguments);
        return Version();
    }

    private JsonNode QueryCommands(JsonObject arguments)
    {
        CheckArguments(arguments);
        string[] names;
        lock (_commandsGate)
        {
            names = [Capabilities, "quit", .. _commands.Keys];
        }

        return new JsonArray([.. names.Order(StringComparer.Ordinal).Select(n => (JsonNode)new JsonObject { ["name"] = n })]);
    }

    private JsonNode? PowerDown(JsonObject arguments)
    {
        CheckArguments(arguments);
        Emit("POWERDOWN");
        _machine.PowerDown();
        return null;
    }

    /// <summary>
    /// screendump: the display's current picture as PPM (the default, as QEMU 7.2) or PNG. With no display, or
    /// before the guest has set it up, QEMU saves its 640x480 placeholder; so does this (black).
    /// </summary>
    private JsonNode? ScreenDump(JsonObject arguments)
    {
        CheckArguments(arguments, required: ["filename"], optional: ["device", "head", "format"]);
        var filename = StringArgument(arguments, "filename")!;
        if (StringArgument(arguments, "device") is { } device)
        {
            throw new QmpException(QmpException.DeviceNotFound, $"Device '{device}' not found");
        }

        if (arguments["head"] is { } head && (head is not JsonValue headValue || !headValue.TryGetValue<long>(out var number) || number != 0))
        {
            throw QmpException.Generic("screendump: this machine has one display, head 0");
        }

        var format = StringArgument(arguments, "format") ?? "ppm";
        if (format is not ("ppm" or "png"))
        {
            throw QmpException.Generic($"Parameter 'format' does not accept value '{format}'");
        }

        var frame = _machine.CaptureScreen() ??
            new DisplayFrame(PlaceholderWidth, PlaceholderHeight, new uint[PlaceholderWidth * PlaceholderHeight], 0);
        try
        {
            using var file = new FileStream(filename, FileMode.Create, FileAccess.Write);
            if (format == "png")
            {
                PngWriter.Write(file, frame);
            }
            else
            {
                PpmWriter.Write(file, frame);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw QmpException.Generic($"failed to open file '{filename}': {Reason(e)}");
        }

        return null;
    }

    private static string Reason(Exception e) => e switch
    {
        DirectoryNotFoundException or FileNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => e.Message,
    };
}
