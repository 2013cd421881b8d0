using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>Writes ExecCredential answers for the fake plugins (reflection-based JSON is off in tests too).</summary>
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ExecAnswerJsonContext : JsonSerializerContext;
