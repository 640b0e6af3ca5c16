using System.Text.Json.Nodes;

namespace Emulator.Core.Qmp;

/// <summary>A response to send, and what to do once it is sent (quit ends the machine only after its reply is out).</summary>
public sealed record QmpReply(JsonObject Response, Action? AfterReply = null);
