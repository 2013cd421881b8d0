using System.Text.Json.Serialization;

namespace Dca.Protocol;

/// <summary>Source-generated JSON for the node-agent contract (only the types on the wire).</summary>
[JsonSerializable(typeof(AgentVersion))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
