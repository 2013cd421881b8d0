using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Models;

/// <summary>
/// Reads a string through the intern pool: for fields with few distinct values across many objects
/// (phases, condition types, node names, images, namespaces), so a store of 150,000 pods keeps one copy.
/// </summary>
public sealed class InternedStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? InternedStringMapConverter.Intern(ref reader) : throw new JsonException("expected a string");

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
