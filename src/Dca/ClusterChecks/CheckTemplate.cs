using System.Text.Json.Nodes;

namespace Dca.ClusterChecks;

/// <summary>A check as an annotation or file declares it, before its template variables are resolved.</summary>
/// <param name="CheckName">The integration name.</param>
/// <param name="InitConfig">The <c>init_config</c> object (null: none).</param>
/// <param name="Instances">The instances, JSON objects that may hold <c>%%var%%</c> templates.</param>
public sealed record CheckTemplate(string CheckName, JsonObject? InitConfig, IReadOnlyList<JsonObject> Instances);
