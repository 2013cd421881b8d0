using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>
/// A request path resolved to a resource: <c>/api/v1/[namespaces/{ns}/]{plural}[/{name}[/{subresource}[/...]]]</c>
/// and the same under <c>/apis/{group}/{version}</c>, including the legacy <c>/watch/</c> prefix.
/// </summary>
internal sealed record ApiRoute(ResourceType Type, string Namespace, string? Name, string? Subresource, string? SubPath, bool WatchPath)
{
    public bool IsCollection => Name is null;

    public static ApiRoute? Parse(ObjectStore store, string path)
    {
        var segments = path.Trim('/').Split('/');
        int i;
        string group, version;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, i) = ("", segments[1], 2);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, i) = (segments[1], segments[2], 3);
        }
        else
        {
            return null;
        }
        var watchPath = false;
        if (segments[i] == "watch")
        {
            watchPath = true;
            i++;
        }
        var rest = segments[i..];
        if (rest.Length == 0 || rest.Any(s => s.Length == 0))
        {
            return null;
        }
        // /namespaces/{ns}/{plural}... is a namespaced path unless {plural} is a namespace subresource.
        if (rest.Length >= 3 && rest[0] == "namespaces" && store.Find(group, version, rest[2]) is { Namespaced: true } namespaced)
        {
            return Build(namespaced, rest[1], rest[3..], watchPath);
        }
        var type = store.Find(group, version, rest[0]);
        if (type is null || (type.Namespaced && rest.Length > 1))
        {
            return null;
        }
        return Build(type, "", rest[1..], watchPath);
    }

    private static ApiRoute Build(ResourceType type, string ns, string[] rest, bool watchPath) => rest.Length switch
    {
        0 => new ApiRoute(type, ns, null, null, null, watchPath),
        1 => new ApiRoute(type, ns, rest[0], null, null, watchPath),
        _ => new ApiRoute(type, ns, rest[0], rest[1], rest.Length > 2 ? string.Join('/', rest[2..]) : null, watchPath),
    };
}
