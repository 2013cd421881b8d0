using System.Net.Http.Headers;

namespace Dca.Http;

/// <summary>
/// The wait a <c>Retry-After</c> header asks for (RFC 9110 §10.2.3: delay-seconds or an HTTP date), for the clients
/// that retry: the Kubernetes client, the node agent's cluster agent client and the Datadog intake sink. Linked into
/// each of their libraries, like <c>UrlCredentials</c>.
/// </summary>
internal static class RetryAfter
{
    /// <summary>
    /// The delay <paramref name="headers"/> ask for, clamped to [0, <paramref name="max"/>] so that a wrong or hostile
    /// value cannot hold a sender for long; null when there is no (valid) <c>Retry-After</c>.
    /// </summary>
    public static TimeSpan? Of(HttpResponseHeaders headers, DateTimeOffset now, TimeSpan max)
    {
        var header = headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - now : null);
        return delay is not { } d ? null : d < TimeSpan.Zero ? TimeSpan.Zero : d > max ? max : d;
    }
}
