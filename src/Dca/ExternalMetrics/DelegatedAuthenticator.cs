using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Dca.Kubernetes.Client;

namespace Dca.ExternalMetrics;

/// <summary>
/// Bearer tokens on the external metrics port (<c>DCA_EXTERNAL_METRICS_TOKEN_REVIEW=true</c>), as an aggregated API
/// server delegates them: a TokenReview asks kube-apiserver whose token it is, then a SubjectAccessReview whether that
/// user may make the request (<c>list</c> on resource <c>&lt;metric&gt;</c> of group <c>external.metrics.k8s.io</c> in
/// the namespace, or <c>get</c> on a discovery path), which is what RBAC grants an HPA's reader. Answers are cached for
/// <see cref="CacheTime"/> (10 s, kube's delegating defaults), keyed by the token's SHA-256, never the token; the cache
/// is bounded. A review that cannot be made refuses the request with the reason, it never lets it through.
/// The API server's own requests come through the front proxy (<see cref="FrontProxyAuthenticator"/>) and were
/// authorized there.
/// </summary>
internal sealed partial class DelegatedAuthenticator(KubernetesClient client, TimeProvider time, ILogger<DelegatedAuthenticator> logger)
{
    public static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(10);
    private const int MaxCached = 4096;

    private readonly ConcurrentDictionary<string, (string? User, List<string> Groups, string? Refusal, DateTimeOffset Until)> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (bool Allowed, string Reason, DateTimeOffset Until)> _decisions = new(StringComparer.Ordinal);

    /// <summary>The user of a bearer token, or why it is refused (401).</summary>
    public async Task<(string? User, IReadOnlyList<string> Groups, string? Refusal)> AuthenticateAsync(string token, CancellationToken ct)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        var now = time.GetUtcNow();
        if (_tokens.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return (cached.User, cached.Groups, cached.Refusal);
        }
        try
        {
            var review = await client.CreateAsync(AccessReview.TokenReviews, new AccessReview
            {
                ApiVersion = "authentication.k8s.io/v1", Kind = "TokenReview", Spec = new AccessReviewSpec { Token = token },
            }, ct);
            var status = review.Status;
            var user = status is { Authenticated: true, User.Username: { Length: > 0 } name } ? name : null;
            var refusal = user is null ? "the bearer token is not valid: " + (status?.Error is { Length: > 0 } e ? e : "the API server did not authenticate it") : null;
            Remember(_tokens, key, (user, status?.User?.Groups ?? [], refusal, now + CacheTime));
            return (user, status?.User?.Groups ?? [], refusal);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or TimeoutException or System.Text.Json.JsonException)
        {
            Log.ReviewFailed(logger, "TokenReview", e.Message);
            return (null, [], "the bearer token could not be reviewed by the API server: " + e.Message);
        }
    }

    /// <summary>Whether the user may make this request (403 with the reason when not).</summary>
    public async Task<(bool Allowed, string Reason)> AuthorizeAsync(string user, IReadOnlyList<string> groups, string? ns, string? metric, string path, CancellationToken ct)
    {
        var key = string.Join('\n', [user, .. groups, "|", ns ?? "", metric ?? "", metric is null ? path : ""]);
        var now = time.GetUtcNow();
        if (_decisions.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return (cached.Allowed, cached.Reason);
        }
        var spec = new AccessReviewSpec { User = user, Groups = [.. groups] };
        if (metric is null)
        {
            spec.NonResourceAttributes = new NonResourceAttributes { Path = path, Verb = "get" };
        }
        else
        {
            spec.ResourceAttributes = new ResourceAttributes
            {
                Namespace = ns ?? "", Verb = "list", Group = ExternalMetricsApi.Group, Version = ExternalMetricsApi.Version, Resource = metric,
            };
        }
        var what = metric is null ? $"get {path}" : $"list {metric}.{ExternalMetricsApi.Group} in namespace {ns}";
        try
        {
            var review = await client.CreateAsync(AccessReview.SubjectAccessReviews, new AccessReview
            {
                ApiVersion = "authorization.k8s.io/v1", Kind = "SubjectAccessReview", Spec = spec,
            }, ct);
            var allowed = review.Status is { Allowed: true, Denied: false };
            var reason = allowed ? "" : $"user {user} may not {what}" + (review.Status?.Reason is { Length: > 0 } r ? ": " + r : "");
            Remember(_decisions, key, (allowed, reason, now + CacheTime));
            return (allowed, reason);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or TimeoutException or System.Text.Json.JsonException)
        {
            Log.ReviewFailed(logger, "SubjectAccessReview", e.Message);
            return (false, $"whether user {user} may {what} could not be reviewed by the API server: {e.Message}");
        }
    }

    private static void Remember<T>(ConcurrentDictionary<string, T> cache, string key, T value)
    {
        if (cache.Count >= MaxCached)
        {
            cache.Clear();
        }
        cache[key] = value;
    }

    private static partial class Log
    {
        [LoggerMessage(1010, LogLevel.Warning, "External metrics: a {Review} failed: {Error}")]
        public static partial void ReviewFailed(ILogger logger, string review, string error);
    }
}
