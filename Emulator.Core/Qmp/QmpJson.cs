using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Core.Qmp;

/// <summary>
/// Writes JSON as QEMU's QMP does (qobject_to_json): ": " after a name and ", " between members and elements,
/// so that tools matching QEMU's text byte for byte see the same lines.
/// </summary>
public static class QmpJson
{
    /// <summary>Quotes and other ASCII punctuation as they are (QEMU writes 'qmp_capabilities', not \u0027).</summary>
    private static readonly JsonSerializerOptions Scalars = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Format(JsonNode? node)
    {
        var text = new StringBuilder();
        Append(text, node);
        return text.ToString();
    }

    private static void Append(StringBuilder text, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject members:
                text.Append('{');
                var first = true;
                foreach (var (name, value) in members)
                {
                    text.Append(first ? "" : ", ").Append(JsonSerializer.Serialize(name, Scalars)).Append(": ");
                    Append(text, value);
                    first = false;
                }

                text.Append('}');
                break;
            case JsonArray elements:
                text.Append('[');
                for (var i = 0; i < elements.Count; i++)
                {
                    text.Append(i == 0 ? "" : ", ");
                    Append(text, elements[i]);
                }

                text.Append(']');
                break;
            case null:
                text.Append("null");
                break;
            default:
                text.Append(node.ToJsonString(Scalars));
                break;
        }
    }
}
