using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Core.Qmp;

/// <summary>
/// Reads a command's arguments as QEMU's QAPI input visitor does, with its messages: members in declaration order
/// (a missing one: "Parameter 'keys[0].type' is missing"), types checked ("Invalid parameter type for 'hold-time',
/// expected: integer"), enums by their bare member name ("Parameter 'data' does not accept value 'foo'"), and
/// unexpected members after the declared ones ("Parameter 'keys[0].x' is unexpected").
/// </summary>
public static class QmpVisitor
{
    /// <summary>The member <paramref name="name"/> of <paramref name="obj"/> (whose path is <paramref name="prefix"/>), or null when optional and absent.</summary>
    public static JsonNode? Member(JsonObject obj, string prefix, string name, bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj.TryGetPropertyValue(name, out var node))
        {
            // JSON null stands for a value of the wrong type, as QEMU's visitor sees it.
            return node ?? throw Invalid(Path(prefix, name), "a value");
        }

        return optional ? null : throw QmpException.Generic($"Parameter '{Path(prefix, name)}' is missing");
    }

    /// <summary>QEMU's visit_check_struct: a member not in <paramref name="names"/> is unexpected.</summary>
    public static void NoOthers(JsonObject obj, string prefix, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(obj);
        foreach (var (key, _) in obj)
        {
            if (!names.Contains(key))
            {
                throw QmpException.Generic($"Parameter '{Path(prefix, key)}' is unexpected");
            }
        }
    }

    public static string String(JsonNode node, string path) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : throw Invalid(path, "string");

    public static long Integer(JsonNode node, string path) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var number)
            ? number
            : throw Invalid(path, "integer");

    public static bool Boolean(JsonNode node, string path) =>
        node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? value.GetValue<bool>()
            : throw Invalid(path, "boolean");

    public static JsonObject Object(JsonNode node, string path) => node as JsonObject ?? throw Invalid(path, "object");

    public static JsonArray Array(JsonNode node, string path) => node as JsonArray ?? throw Invalid(path, "array");

    /// <summary>An enum member: QEMU names the member alone, without its path.</summary>
    public static string Enum(JsonNode node, string path, string name, IEnumerable<string> values)
    {
        var text = String(node, path);
        return values.Contains(text) ? text : throw QmpException.Generic($"Parameter '{name}' does not accept value '{text}'");
    }

    /// <summary>A member's path: "keys[0]" + "data" is "keys[0].data"; at the top level just the name.</summary>
    public static string Path(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    private static QmpException Invalid(string path, string expected) =>
        QmpException.Generic($"Invalid parameter type for '{path}', expected: {expected}");
}
