using System.Buffers;
using System.Text.Json;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>
/// <c>/version</c>, the legacy discovery documents (<c>/api</c>, <c>/api/v1</c>, <c>/apis</c>,
/// <c>/apis/{group}[/{version}]</c>) and a minimal OpenAPI v3. Aggregated discovery (v2) is not
/// served: a client asking for it gets plain <c>application/json</c>, which client-go reads as the
/// legacy documents. The OpenAPI v3 documents list each resource's PATCH operation with the
/// <c>fieldValidation</c> parameter and nothing else, so <c>kubectl apply</c> leaves validation to
/// the server instead of failing to download a schema.
/// </summary>
internal sealed class DiscoveryDocuments(ObjectStore store, Func<IEnumerable<(string Group, string Version)>>? aggregated = null)
{
    public const string GitVersion = "v1.31.0";

    public static async Task WriteJsonAsync(HttpContext ctx, Action<Utf8JsonWriter> write, int status = 200)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
    }

    public static Task WriteVersionAsync(HttpContext ctx) => WriteJsonAsync(ctx, w =>
    {
        w.WriteStartObject();
        w.WriteString("major", "1");
        w.WriteString("minor", "31");
        w.WriteString("gitVersion", GitVersion);
        w.WriteString("gitCommit", "9edcffcde5595e8a5b1a35f88c421764e575afce");
        w.WriteString("gitTreeState", "clean");
        w.WriteString("buildDate", "2024-08-13T07:28:49Z");
        w.WriteString("goVersion", "go1.22.5");
        w.WriteString("compiler", "gc");
        w.WriteString("platform", "linux/amd64");
        w.WriteEndObject();
    });

    public async Task<bool> TryHandleAsync(HttpContext ctx, string path)
    {
        if (ctx.Request.Method != "GET")
        {
            return false;
        }
        var segments = path.Trim('/').Split('/');
        var types = store.Types;
        var groups = types.Where(t => t.Group.Length > 0).GroupBy(t => t.Group, StringComparer.Ordinal).ToList();
        switch (segments)
        {
            case ["api"]:
                await WriteJsonAsync(ctx, w => WriteApiVersions(w, ctx));
                return true;
            case ["apis"]:
                await WriteJsonAsync(ctx, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("kind", "APIGroupList");
                    w.WriteString("apiVersion", "v1");
                    w.WriteStartArray("groups");
                    foreach (var g in groups)
                    {
                        WriteGroup(w, g.Key, [.. g.Select(t => t.Version).Distinct(StringComparer.Ordinal)], inList: true);
                    }
                    // Groups served by aggregated API servers (APIServices), as kube-apiserver lists them.
                    foreach (var g in (aggregated?.Invoke() ?? []).Where(a => groups.All(x => x.Key != a.Group)).GroupBy(a => a.Group, StringComparer.Ordinal))
                    {
                        WriteGroup(w, g.Key, [.. g.Select(a => a.Version).Distinct(StringComparer.Ordinal)], inList: true);
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                });
                return true;
            case ["api", var v]:
                return await WriteResourceListAsync(ctx, types.Where(t => t.Group.Length == 0 && t.Version == v).ToList(), v);
            case ["apis", var g] when groups.FirstOrDefault(x => x.Key == g) is { } group:
                await WriteJsonAsync(ctx, w => WriteGroup(w, g, [.. group.Select(t => t.Version).Distinct(StringComparer.Ordinal)], inList: false));
                return true;
            case ["apis", var g, var v] when types.Any(t => t.Group == g && t.Version == v):
                return await WriteResourceListAsync(ctx, types.Where(t => t.Group == g && t.Version == v).ToList(), g + "/" + v);
            case ["openapi", "v3"]:
                await WriteJsonAsync(ctx, w => OpenApiDocuments.WriteRoot(w, types));
                return true;
            case ["openapi", "v3", ..]:
                var gv = string.Join('/', segments[2..]);
                var gvTypes = types.Where(t => OpenApiDocuments.PathOf(t) == gv).ToList();
                if (gvTypes.Count == 0)
                {
                    return false;
                }
                await WriteJsonAsync(ctx, w => OpenApiDocuments.WriteGroupVersion(w, gvTypes));
                return true;
            default:
                return false;
        }
    }

    private static void WriteApiVersions(Utf8JsonWriter w, HttpContext ctx)
    {
        w.WriteStartObject();
        w.WriteString("kind", "APIVersions");
        w.WriteStartArray("versions");
        w.WriteStringValue("v1");
        w.WriteEndArray();
        w.WriteStartArray("serverAddressByClientCIDRs");
        w.WriteStartObject();
        w.WriteString("clientCIDR", "0.0.0.0/0");
        w.WriteString("serverAddress", ctx.Request.Host.Value);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteGroup(Utf8JsonWriter w, string group, IReadOnlyList<string> versions, bool inList)
    {
        w.WriteStartObject();
        if (!inList)
        {
            w.WriteString("kind", "APIGroup");
            w.WriteString("apiVersion", "v1");
        }
        w.WriteString("name", group);
        w.WriteStartArray("versions");
        foreach (var v in versions)
        {
            w.WriteStartObject();
            w.WriteString("groupVersion", group + "/" + v);
            w.WriteString("version", v);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("preferredVersion");
        w.WriteString("groupVersion", group + "/" + versions[0]);
        w.WriteString("version", versions[0]);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static async Task<bool> WriteResourceListAsync(HttpContext ctx, List<ResourceType> types, string groupVersion)
    {
        if (types.Count == 0)
        {
            return false;
        }
        await WriteJsonAsync(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIResourceList");
            w.WriteString("apiVersion", "v1");
            w.WriteString("groupVersion", groupVersion);
            w.WriteStartArray("resources");
            foreach (var t in types)
            {
                WriteResource(w, t, t.Plural, t.Singular, ResourceType.Verbs, withNames: true);
                if (t.StatusSubresource || t == ResourceTypes.Pods || t == ResourceTypes.Nodes || t == ResourceTypes.Services || t == ResourceTypes.Namespaces)
                {
                    WriteResource(w, t, t.Plural + "/status", "", ["get", "patch", "update"], withNames: false);
                }
                if (t == ResourceTypes.Nodes)
                {
                    WriteResource(w, t, "nodes/proxy", "", ["create", "delete", "get", "patch", "update"], withNames: false, kind: "NodeProxyOptions");
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
        return true;
    }

    private static void WriteResource(Utf8JsonWriter w, ResourceType t, string name, string singular, IReadOnlyList<string> verbs, bool withNames, string? kind = null)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("singularName", singular);
        w.WriteBoolean("namespaced", t.Namespaced);
        w.WriteString("kind", kind ?? t.Kind);
        w.WriteStartArray("verbs");
        foreach (var verb in verbs)
        {
            w.WriteStringValue(verb);
        }
        w.WriteEndArray();
        if (withNames && t.ShortNames.Count > 0)
        {
            w.WriteStartArray("shortNames");
            foreach (var s in t.ShortNames)
            {
                w.WriteStringValue(s);
            }
            w.WriteEndArray();
        }
        if (withNames && t.Categories.Count > 0)
        {
            w.WriteStartArray("categories");
            foreach (var c in t.Categories)
            {
                w.WriteStringValue(c);
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }
}
