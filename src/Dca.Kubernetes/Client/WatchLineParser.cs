using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dca.Kubernetes.Models;

namespace Dca.Kubernetes.Client;

/// <summary>
/// Parses one watch line, <c>{"type":"ADDED","object":{...}}</c>, in one pass straight into the trimmed
/// model (or a <see cref="Status"/> for ERROR). The API server writes <c>type</c> first; if a line has
/// the object first, a second pass reads it once the type is known. Anything that is not such a line (not
/// JSON, a type that is not one of the five strings, no object, an object without metadata) is a
/// <see cref="JsonException"/> saying what is wrong, so a broken stream never reaches the store.
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
        if (t != WatchEventType.Error && item is null or IKubernetesObject { Metadata: null })
        {
            // A null object or metadata would fail later, in the reflector, as a NullReferenceException.
            throw new JsonException(item is null ? $"a watch line of type {t} has a null object" : $"a watch line of type {t} has an object without metadata");
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
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"a watch line's type must be a string, not {reader.TokenType}");
        }
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
        // Quoted lossily and cut short: the value may be invalid UTF-8 or huge.
        var shown = System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.Slice(0, Math.Min(reader.ValueSequence.Length, 64)).ToArray() : reader.ValueSpan[..Math.Min(reader.ValueSpan.Length, 64)]);
        throw new JsonException($"unknown watch event type \"{shown}\"");
    }
}
