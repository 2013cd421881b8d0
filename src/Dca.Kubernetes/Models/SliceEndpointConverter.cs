using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>Reads an EndpointSlice endpoint straight into the flat <see cref="SliceEndpoint"/>.</summary>
public sealed class SliceEndpointConverter : JsonConverter<SliceEndpoint>
{
    public override SliceEndpoint Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("an endpoint must be an object");
        }
        var endpoint = new Fields();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("nodeName"u8))
            {
                reader.Read();
                endpoint.NodeName = InternedOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("targetRef"u8))
            {
                reader.Read();
                ReadTarget(ref reader, ref endpoint);
            }
            else if (reader.ValueTextEquals("conditions"u8))
            {
                reader.Read();
                ReadConditions(ref reader, ref endpoint);
            }
            else
            {
                reader.Read();
                SkipValue(ref reader);
            }
        }
        return new SliceEndpoint(endpoint.NodeName, endpoint.TargetKind, endpoint.TargetName, endpoint.TargetNamespace, endpoint.Ready);
    }

    /// <summary>The fields gathered while reading one endpoint.</summary>
    private struct Fields
    {
        public string? NodeName;
        public string? TargetKind;
        public string? TargetName;
        public string? TargetNamespace;
        public bool? Ready;
    }

    private static void ReadTarget(ref Utf8JsonReader reader, ref Fields endpoint)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            SkipValue(ref reader);
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                endpoint.TargetKind = InternedOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                endpoint.TargetName = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("namespace"u8))
            {
                reader.Read();
                endpoint.TargetNamespace = InternedOrNull(ref reader);
            }
            else
            {
                reader.Read();
                SkipValue(ref reader);
            }
        }
    }

    private static void ReadConditions(ref Utf8JsonReader reader, ref Fields endpoint)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            SkipValue(ref reader);
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isReady = reader.ValueTextEquals("ready"u8);
            reader.Read();
            if (isReady && reader.TokenType is JsonTokenType.True or JsonTokenType.False)
            {
                endpoint.Ready = reader.GetBoolean();
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    /// <summary>
    /// Skips a value. The serializer hands a custom converter the whole value, but in a reader that
    /// is not marked final when the body is streamed, where <c>Skip</c> throws; <c>TrySkip</c> works.
    /// </summary>
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        if (!reader.TrySkip())
        {
            throw new JsonException("truncated endpoint");
        }
    }

    private static string? InternedOrNull(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? InternedStringMapConverter.Intern(ref reader) : null;

    public override void Write(Utf8JsonWriter writer, SliceEndpoint value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.Ready is { } ready)
        {
            writer.WriteStartObject("conditions");
            writer.WriteBoolean("ready", ready);
            writer.WriteEndObject();
        }
        if (value.NodeName is { } node)
        {
            writer.WriteString("nodeName", node);
        }
        if (value.TargetKind is not null || value.TargetName is not null)
        {
            writer.WriteStartObject("targetRef");
            writer.WriteString("kind", value.TargetKind);
            writer.WriteString("name", value.TargetName);
            if (value.TargetNamespace is { } ns)
            {
                writer.WriteString("namespace", ns);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }
}
