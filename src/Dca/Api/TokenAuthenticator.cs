using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Dca.Api;

/// <summary>
/// The Datadog cluster agent's bearer-token check (PROTOCOL.md §1.2): a missing header or another
/// scheme is 401 with <c>WWW-Authenticate: Bearer realm="Datadog Agent"</c>; a wrong token, or a header
/// that is not exactly two space-separated parts, is 403. The comparison takes the same time wherever
/// the first difference is. The token never appears in a response or a log: Datadog echoes the other scheme,
/// which is the token itself when a client sends it without <c>Bearer</c>, so only registered scheme names are echoed.
/// </summary>
internal sealed class TokenAuthenticator(string token)
{
    private static readonly byte[] s_noToken = Encoding.UTF8.GetBytes("no session token provided");
    private static readonly byte[] s_invalid = Encoding.UTF8.GetBytes("invalid session token");
    private static readonly StringValues s_challenge = new("Bearer realm=\"Datadog Agent\"");

    /// <summary>
    /// The schemes a client may name (the IANA HTTP Authentication Scheme Registry, and two common others), echoed as
    /// sent. Anything else may be a credential (a bare token is one word) and is not echoed.
    /// </summary>
    private static readonly FrozenSet<string> s_knownSchemes = new[]
    {
        "Basic", "Bearer", "Concealed", "Digest", "DPoP", "GNAP", "HOBA", "Mutual", "Negotiate", "OAuth", "PrivateToken",
        "SCRAM-SHA-1", "SCRAM-SHA-256", "vapid", "NTLM", "AWS4-HMAC-SHA256",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when the request may proceed; otherwise the response has been written.</summary>
    public ValueTask<bool> AuthorizeAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization;
        if (header.Count == 0 || string.IsNullOrEmpty(header[0]))
        {
            return Reject(context, StatusCodes.Status401Unauthorized, s_noToken);
        }
        var value = header[0].AsSpan();
        var space = value.IndexOf(' ');
        var scheme = space < 0 ? value : value[..space];
        if (!scheme.Equals("Bearer", StringComparison.Ordinal))
        {
            return RejectScheme(context, space < 0 ? header[0]! : header[0]![..space]);
        }
        var presented = space < 0 ? [] : value[(space + 1)..];
        if (space < 0 || presented.Contains(' ') || !FixedTimeEquals(presented, token))
        {
            return Reject(context, StatusCodes.Status403Forbidden, s_invalid);
        }
        return ValueTask.FromResult(true);
    }

    /// <summary>Compares in time that depends only on the lengths, never on where the strings differ.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.NoOptimization)]
    internal static bool FixedTimeEquals(ReadOnlySpan<char> presented, string expected)
    {
        var diff = presented.Length ^ expected.Length;
        for (var i = 0; i < expected.Length; i++)
        {
            var c = i < presented.Length ? presented[i] : '\0';
            diff |= c ^ expected[i];
        }
        return diff == 0;
    }

    private static async ValueTask<bool> Reject(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = s_challenge;
        }
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
        return false;
    }

    private static ValueTask<bool> RejectScheme(HttpContext context, string scheme) =>
        Reject(context, StatusCodes.Status401Unauthorized, Encoding.UTF8.GetBytes(s_knownSchemes.Contains(scheme)
            ? "unsupported authorization scheme: " + scheme
            : "unsupported authorization scheme"));
}
