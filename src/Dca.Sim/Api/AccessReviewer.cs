using System.Text.Json;
using System.Text.Json.Nodes;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>
/// The two reviews an aggregated API server delegates to kube-apiserver (the <c>system:auth-delegator</c> role):
/// <c>POST /apis/authentication.k8s.io/v1/tokenreviews</c> (is this bearer token one of ours, and whose) and
/// <c>POST /apis/authorization.k8s.io/v1/subjectaccessreviews</c> (may this user do this), answered from the
/// simulator's tokens and the RBAC objects it stores, with Kubernetes' RBAC semantics: a ClusterRoleBinding grants
/// its role everywhere, a RoleBinding only in its namespace and never non-resource URLs; subjects are users,
/// groups or ServiceAccounts (<c>system:serviceaccount:&lt;ns&gt;:&lt;name&gt;</c>); <c>system:masters</c> may do
/// anything. Both are created and never stored, as on a real server (201 with the status filled in).
/// </summary>
internal sealed class AccessReviewer(ApiContext api)
{
    private const string TokenReviews = "/apis/authentication.k8s.io/v1/tokenreviews";
    private const string AccessReviews = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

    public async Task<bool> TryHandleAsync(HttpContext ctx, string path, string identity)
    {
        if (path is not (TokenReviews or AccessReviews))
        {
            return false;
        }
        if (ctx.Request.Method != "POST")
        {
            throw new StatusException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
        }
        var tokens = path == TokenReviews;
        api.Audit.Record(identity, ctx.Request.Headers.UserAgent.ToString(), "create",
            tokens ? "authentication.k8s.io" : "authorization.k8s.io", tokens ? "tokenreviews" : "subjectaccessreviews", "", "");
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        var review = JsonNode.Parse(buffer.ToArray()) as JsonObject ?? throw StatusException.BadRequest("the review must be a JSON object");
        var spec = review["spec"] as JsonObject ?? throw StatusException.BadRequest("spec: Required value");
        if (tokens)
        {
            var token = Str(spec["token"]) ?? throw StatusException.BadRequest("spec.token: Required value");
            var user = api.Tokens.IdentityOf(token);
            await DiscoveryDocuments.WriteJsonAsync(ctx, w =>
            {
                WriteHead(w, "authentication.k8s.io/v1", "TokenReview", spec);
                w.WriteStartObject("status");
                w.WriteBoolean("authenticated", user is not null);
                if (user is null)
                {
                    w.WriteString("error", "invalid bearer token");
                }
                else
                {
                    w.WriteStartObject("user");
                    w.WriteString("username", user);
                    w.WriteStartArray("groups");
                    foreach (var group in GroupsOf(user))
                    {
                        w.WriteStringValue(group);
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }, 201);
            return true;
        }
        var (allowed, reason) = Review(spec);
        await DiscoveryDocuments.WriteJsonAsync(ctx, w =>
        {
            WriteHead(w, "authorization.k8s.io/v1", "SubjectAccessReview", spec);
            w.WriteStartObject("status");
            w.WriteBoolean("allowed", allowed);
            w.WriteString("reason", reason);
            w.WriteEndObject();
            w.WriteEndObject();
        }, 201);
        return true;
    }

    /// <summary>The groups kube-apiserver gives an identity: ServiceAccounts' own, <c>system:masters</c> for the admin.</summary>
    public static IReadOnlyList<string> GroupsOf(string user)
    {
        const string prefix = "system:serviceaccount:";
        if (user == "admin")
        {
            return ["system:masters", "system:authenticated"];
        }
        if (user.StartsWith(prefix, StringComparison.Ordinal) && user[prefix.Length..].Split(':') is [var ns, _])
        {
            return ["system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"];
        }
        return ["system:authenticated"];
    }

    private (bool Allowed, string Reason) Review(JsonObject spec)
    {
        var user = Str(spec["user"]) ?? "";
        var groups = (spec["groups"] as JsonArray ?? []).Select(Str).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (user.Length == 0 && groups.Count == 0)
        {
            throw StatusException.BadRequest("at least one of user or group must be specified");
        }
        if (groups.Contains("system:masters"))
        {
            return (true, "system:masters may do anything");
        }
        var resource = spec["resourceAttributes"] as JsonObject;
        var nonResource = spec["nonResourceAttributes"] as JsonObject;
        if ((resource is null) == (nonResource is null))
        {
            throw StatusException.BadRequest("exactly one of nonResourceAttributes or resourceAttributes must be specified");
        }
        var ns = Str(resource?["namespace"]) ?? "";
        foreach (var binding in api.Store.Objects(ResourceTypes.ClusterRoleBindings))
        {
            if (Binds(binding, user, groups) && Role(binding, "") is { } role && Grants(role, resource, nonResource))
            {
                return (true, $"allowed by ClusterRoleBinding \"{binding.Name}\"");
            }
        }
        if (resource is not null && ns.Length > 0)
        {
            foreach (var binding in api.Store.Objects(ResourceTypes.RoleBindings).Where(b => b.Namespace == ns))
            {
                if (Binds(binding, user, groups) && Role(binding, ns) is { } role && Grants(role, resource, null))
                {
                    return (true, $"allowed by RoleBinding \"{binding.Name}/{ns}\"");
                }
            }
        }
        return (false, "no RBAC policy matched");
    }

    private static bool Binds(StoredObject binding, string user, HashSet<string> groups)
    {
        var subjects = Parse(binding)["subjects"] as JsonArray ?? [];
        return subjects.OfType<JsonObject>().Any(s => (Str(s["kind"]), Str(s["name"])) switch
        {
            ("User", var name) => name == user,
            ("Group", var name) => name is not null && groups.Contains(name),
            ("ServiceAccount", var name) => user == $"system:serviceaccount:{Str(s["namespace"]) ?? binding.Namespace}:{name}",
            _ => false,
        });
    }

    private JsonObject? Role(StoredObject binding, string ns)
    {
        var roleRef = Parse(binding)["roleRef"] as JsonObject;
        var role = (Str(roleRef?["kind"]), Str(roleRef?["name"])) switch
        {
            ("ClusterRole", { } name) => api.Store.Get(ResourceTypes.ClusterRoles, "", name),
            ("Role", { } name) when ns.Length > 0 => api.Store.Get(ResourceTypes.Roles, ns, name),
            _ => null,
        };
        return role is null ? null : Parse(role);
    }

    private static bool Grants(JsonObject role, JsonObject? resource, JsonObject? nonResource)
    {
        foreach (var rule in (role["rules"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (resource is not null)
            {
                var sub = Str(resource["subresource"]) is { Length: > 0 } s ? "/" + s : "";
                var plural = (Str(resource["resource"]) ?? "") + sub;
                var name = Str(resource["name"]) ?? "";
                var names = List(rule, "resourceNames");
                if (Has(rule, "verbs", Str(resource["verb"]) ?? "")
                    && Has(rule, "apiGroups", Str(resource["group"]) ?? "")
                    && (List(rule, "resources").Any(r => r == "*" || r == plural || (sub.Length > 0 && r == "*" + sub)))
                    && (names.Count == 0 || names.Contains(name)))
                {
                    return true;
                }
            }
            else
            {
                var path = Str(nonResource!["path"]) ?? "";
                if (Has(rule, "verbs", Str(nonResource["verb"]) ?? "")
                    && List(rule, "nonResourceURLs").Any(u => u == path || (u.EndsWith('*') && path.StartsWith(u[..^1], StringComparison.Ordinal))))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static bool Has(JsonObject rule, string key, string value) => List(rule, key).Any(v => v == "*" || v == value);

    private static List<string> List(JsonObject rule, string key) => [.. (rule[key] as JsonArray ?? []).Select(Str).OfType<string>()];

    private static JsonObject Parse(StoredObject o) => JsonNode.Parse(o.Json.Span) as JsonObject ?? [];

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static void WriteHead(Utf8JsonWriter w, string apiVersion, string kind, JsonObject spec)
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", apiVersion);
        w.WriteString("kind", kind);
        w.WriteStartObject("metadata");
        w.WriteString("creationTimestamp", (string?)null);
        w.WriteEndObject();
        w.WritePropertyName("spec");
        spec.WriteTo(w);
    }
}
