using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dca.Sim.Store;

/// <summary>Conversions between JSON trees and the bytes the store keeps, and in-place edits of those bytes.</summary>
internal static class JsonBytes
{
    public static byte[] Serialize(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static JsonObject ParseObject(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException("object expected");
    }

    /// <summary>
    /// The same JSON with <c>metadata.resourceVersion</c> set: the value is spliced into the bytes
    /// (located with one reader pass over the metadata), so no tree is built.
    /// </summary>
    public static byte[] WithResourceVersion(StoredObject obj, long rv)
    {
        var json = obj.Json.Span;
        var meta = json.Slice(obj.MetadataStart, obj.MetadataLength);
        var value = Encoding.UTF8.GetBytes("\"" + rv.ToString(CultureInfo.InvariantCulture) + "\"");
        var reader = new Utf8JsonReader(meta);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isRv = reader.ValueTextEquals("resourceVersion"u8);
            reader.Read();
            if (isRv)
            {
                var start = obj.MetadataStart + (int)reader.TokenStartIndex;
                var end = obj.MetadataStart + (int)reader.BytesConsumed;
                return [.. json[..start], .. value, .. json[end..]];
            }
            reader.Skip();
        }
        // No resourceVersion yet: insert it first in metadata.
        var insertAt = obj.MetadataStart + 1;
        var empty = meta.Length == 2;
        byte[] property = [.. "\"resourceVersion\":"u8, .. value, .. (empty ? ""u8 : ","u8)];
        return [.. json[..insertAt], .. property, .. json[insertAt..]];
    }
}
