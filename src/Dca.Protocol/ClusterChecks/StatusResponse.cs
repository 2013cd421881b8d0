using System.Text.Json.Serialization;

namespace Dca.Protocol.ClusterChecks;

/// <summary>The answer to a heartbeat: whether the node's configurations are current.</summary>
public sealed record StatusResponse([property: JsonPropertyName("isuptodate")] bool IsUpToDate);
