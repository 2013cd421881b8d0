using System.Text.Json.Nodes;

namespace Dca.ClusterChecks;

/// <summary>Adds tags to each instance's <c>tags</c> list (created when missing), as Datadog's dispatcher patches the configurations it sends.</summary>
public static class InstanceTags
{
    public static CheckConfig Add(CheckConfig config, IReadOnlyList<string> tags) =>
        config with { Instances = [.. config.Instances.Select(i => AddTo(i, tags))] };

    private static string AddTo(string instance, IReadOnlyList<string> tags)
    {
        if (JsonNode.Parse(instance) is not JsonObject root)
        {
            return instance;
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
