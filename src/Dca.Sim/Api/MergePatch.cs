using System.Text.Json.Nodes;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>
/// The patch types. JSON merge patch (RFC 7386) is exact; strategic merge patch is applied as a
/// merge patch with its <c>$</c> directives dropped (lists are replaced, not merged by key) —
/// enough for <c>kubectl apply</c> of ConfigMaps, labels and annotations; JSON patch (RFC 6902)
/// supports add, replace, remove and test.
/// </summary>
internal static class MergePatch
{
    public static JsonObject Apply(JsonObject target, JsonNode patch, string contentType)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        switch (mediaType)
        {
            case "application/merge-patch+json":
            case "application/strategic-merge-patch+json":
            case "application/apply-patch+yaml":
                if (patch is not JsonObject obj)
                {
                    throw StatusException.BadRequest("a merge patch must be a JSON object");
                }
                Merge(target, obj, mediaType != "application/merge-patch+json");
                return target;
            case "application/json-patch+json":
                return JsonPatch(target, patch as JsonArray ?? throw StatusException.BadRequest("a JSON patch must be an array"));
            default:
                throw new StatusException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json");
        }
    }

    private static void Merge(JsonObject target, JsonObject patch, bool strategic)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (strategic && key.StartsWith('$'))
            {
                continue;
            }
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchObject && target[key] is JsonObject targetObject)
            {
                Merge(targetObject, patchObject, strategic);
            }
            else
            {
                target[key] = Strip(value.DeepClone(), strategic);
            }
        }
    }

    private static JsonNode Strip(JsonNode node, bool strategic)
    {
        if (strategic && node is JsonObject obj)
        {
            foreach (var key in obj.Select(p => p.Key).Where(k => k.StartsWith('$')).ToList())
            {
                obj.Remove(key);
            }
            foreach (var (_, child) in obj)
            {
                if (child is not null)
                {
                    Strip(child, strategic);
                }
            }
        }
        return node;
    }

    private static JsonObject JsonPatch(JsonObject target, JsonArray operations)
    {
        foreach (var op in operations.OfType<JsonObject>())
        {
            var kind = ObjectStore.Text(op["op"]);
            var path = (ObjectStore.Text(op["path"]) ?? "").Split('/').Skip(1).Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
            if (path.Length == 0)
            {
                throw StatusException.BadRequest("JSON patch path must not be empty");
            }
            JsonNode parent = target;
            foreach (var segment in path[..^1])
            {
                parent = (parent is JsonArray a ? a[int.Parse(segment, System.Globalization.CultureInfo.InvariantCulture)] : parent[segment])
                    ?? throw StatusException.BadRequest($"JSON patch path not found: {ObjectStore.Text(op["path"])}");
            }
            var last = path[^1];
            var value = op["value"]?.DeepClone();
            switch (kind, parent)
            {
                case ("add", JsonArray array):
                    if (last == "-")
                    {
                        array.Add(value);
                    }
                    else
                    {
                        array.Insert(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture), value);
                    }
                    break;
                case ("add" or "replace", JsonArray array):
                    array[int.Parse(last, System.Globalization.CultureInfo.InvariantCulture)] = value;
                    break;
                case ("add" or "replace", JsonObject obj):
                    obj[last] = value;
                    break;
                case ("remove", JsonArray array):
                    array.RemoveAt(int.Parse(last, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case ("remove", JsonObject obj):
                    obj.Remove(last);
                    break;
                case ("test", _):
                    if (!JsonNode.DeepEquals(parent[last], value))
                    {
                        throw new StatusException(422, "Invalid", "the test operation of the JSON patch failed");
                    }
                    break;
                default:
                    throw StatusException.BadRequest($"unsupported JSON patch operation \"{kind}\"");
            }
        }
        return target;
    }
}
