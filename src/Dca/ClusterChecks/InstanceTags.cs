using System.Text.Json.Nodes;

namespace Dca.ClusterChecks;

/// <summary>
/// Patches each instance as Datadog's dispatcher does before sending it: the extra tags added to its <c>tags</c>
/// list (created when missing) and, for cluster checks (not endpoints checks), <c>empty_default_hostname: true</c>,
/// so the check's metrics carry no host, whichever node agent runs it.
/// </summary>
public static class InstanceTags
{
    public static CheckConfig Add(CheckConfig config, IReadOnlyList<string> tags) =>
        config with { Instances = [.. config.Instances.Select(i => AddTo(i, tags, emptyDefaultHostname: config.NodeName.Length == 0))] };

    private static string AddTo(string instance, IReadOnlyList<string> tags, bool emptyDefaultHostname)
    {
        if (JsonNode.Parse(instance) is not JsonObject root)
        {
            return instance;
        }
        if (emptyDefaultHostname)
        {
            root["empty_default_hostname"] = true;
        }
        if (tags.Count == 0)
        {
            return root.ToJsonString();
        }
        if (root["tags"] is not JsonArray list)
        {
            // A tags value that is not a list is the check's own problem to report; it is replaced by the list.
            root["tags"] = list = [];
        }
        var present = list.Select(t => t?.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var tag in tags.Where(present.Add))
        {
            list.Add((JsonNode?)JsonValue.Create(tag));
        }
        return root.ToJsonString();
    }
}
