using System.Text.Json.Nodes;

namespace Emulator.Core.Qmp;

/// <summary>
/// A QMP command: it receives the request's "arguments" object (empty when none were given) and returns the
/// "return" value (an empty object when it has nothing to say), or throws <see cref="QmpException"/>.
/// </summary>
public delegate JsonNode? QmpCommand(JsonObject arguments);
