using System.Text.Json;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>
/// The smallest OpenAPI v3 that satisfies kubectl: per group-version, one PATCH operation per
/// resource carrying <c>x-kubernetes-group-version-kind</c> and the <c>fieldValidation</c> query
/// parameter (kubectl's QueryParamVerifierV3 looks for exactly that), and no schemas.
/// </summary>
internal static class OpenApiDocuments
{
    public static string PathOf(ResourceType t) => t.Group.Length == 0 ? "api/" + t.Version : "apis/" + t.Group + "/" + t.Version;

    public static void WriteRoot(Utf8JsonWriter w, IReadOnlyList<ResourceType> types)
    {
        w.WriteStartObject();
        w.WriteStartObject("paths");
        foreach (var path in types.Select(PathOf).Distinct(StringComparer.Ordinal))
        {
            w.WriteStartObject(path);
            w.WriteString("serverRelativeURL", "/openapi/v3/" + path + "?hash=" + DiscoveryDocuments.GitVersion.Replace(".", "", StringComparison.Ordinal));
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static void WriteGroupVersion(Utf8JsonWriter w, IReadOnlyList<ResourceType> types)
    {
        w.WriteStartObject();
        w.WriteString("openapi", "3.0.0");
        w.WriteStartObject("info");
        w.WriteString("title", "Kubernetes");
        w.WriteString("version", DiscoveryDocuments.GitVersion);
        w.WriteEndObject();
        w.WriteStartObject("paths");
        foreach (var t in types)
        {
            var prefix = "/" + PathOf(t) + (t.Namespaced ? "/namespaces/{namespace}/" : "/");
            w.WriteStartObject(prefix + t.Plural + "/{name}");
            w.WriteStartObject("patch");
            w.WriteString("operationId", "patch" + t.Kind);
            w.WriteStartArray("parameters");
            w.WriteStartObject();
            w.WriteString("name", "fieldValidation");
            w.WriteString("in", "query");
            w.WriteStartObject("schema");
            w.WriteString("type", "string");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("responses");
            w.WriteEndObject();
            w.WriteString("x-kubernetes-action", "patch");
            w.WriteStartObject("x-kubernetes-group-version-kind");
            w.WriteString("group", t.Group);
            w.WriteString("version", t.Version);
            w.WriteString("kind", t.Kind);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteStartObject("components");
        w.WriteStartObject("schemas");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
