using System.Text.Json.Serialization;
using Dca.Protocol.ClusterChecks;

namespace Dca.Protocol;

/// <summary>Source-generated JSON for the node-agent contract (only the types on the wire).</summary>
[JsonSerializable(typeof(AgentVersion))]
[JsonSerializable(typeof(NodeStatus))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(ConfigsResponse))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
