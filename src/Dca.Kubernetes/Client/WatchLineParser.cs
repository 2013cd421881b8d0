using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dca.Kubernetes.Models;

namespace Dca.Kubernetes.Client;

/// <summary>
/// Parses one watch line, <c>{"type":"ADDED","object":{...}}</c>, in one pass straight into the trimmed
/// model (or a <see cref="Status"/> for ERROR). The API server writes <c>type</c> first; if a line has
/// the object first, a second pass reads it once the type is known.
/// </summary>
public static class WatchLineParser
{
    public static WatchEvent<T> Parse<T>(ReadOnlySequence<byte> line, JsonTypeInfo<T> type)
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a watch line must be a JSON object");
        }
        WatchEventType? eventType = null;
        T? item = default;
        Status? error = null;
        var objectSeen = false;
        var objectSkipped = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                eventType = ParseType(ref reader);
            }
            else if (reader.ValueTextEquals("object"u8))
            {
                reader.Read();
                objectSeen = true;
                if (eventType is null)
                {
                    reader.Skip();
                    objectSkipped = true;
                }
                else
                {
                    ReadObject(ref reader, eventType.Value, type, ref item, ref error);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (eventType is not { } t)
        {
            throw new JsonException("a watch line has no type");
        }
        if (!objectSeen)
        {
            throw new JsonException("a watch line has no object");
        }
        if (objectSkipped)
        {
            var second = new Utf8JsonReader(line);
            second.Read();
            while (second.Read() && second.TokenType == JsonTokenType.PropertyName)
            {
                var isObject = second.ValueTextEquals("object"u8);
                second.Read();
                if (isObject)
                {
                    ReadObject(ref second, t, type, ref item, ref error);
                    break;
                }
                second.Skip();
            }
        }
        return new WatchEvent<T>(t, item, error);
    }

    private static void ReadObject<T>(ref Utf8JsonReader reader, WatchEventType eventType, JsonTypeInfo<T> type, ref T? item, ref Status? error)
    {
        if (eventType == WatchEventType.Error)
        {
            error = JsonSerializer.Deserialize(ref reader, KubernetesJsonContext.Default.Status);
        }
        else
        {
            item = JsonSerializer.Deserialize(ref reader, type);
        }
    }

    private static WatchEventType ParseType(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("ADDED"u8))
        {
            return WatchEventType.Added;
        }
        if (reader.ValueTextEquals("MODIFIED"u8))
        {
            return WatchEventType.Modified;
        }
        if (reader.ValueTextEquals("DELETED"u8))
        {
            return WatchEventType.Deleted;
        }
        if (reader.ValueTextEquals("BOOKMARK"u8))
        {
            return WatchEventType.Bookmark;
        }
        if (reader.ValueTextEquals("ERROR"u8))
        {
            return WatchEventType.Error;
        }
        throw new JsonException("unknown watch event type " + reader.GetString());
    }
}
