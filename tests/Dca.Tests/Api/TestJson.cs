using System.Text.Json.Serialization;

namespace Dca.Tests.Api;

[JsonSerializable(typeof(string[]), TypeInfoPropertyName = "StringArray")]
internal sealed partial class TestJson : JsonSerializerContext;
