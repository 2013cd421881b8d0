using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Dca.Api;

/// <summary>
/// The Datadog cluster agent's bearer-token check (PROTOCOL.md §1.2): a missing header or another
/// scheme is 401 with <c>WWW-Authenticate: Bearer realm="Datadog Agent"</c>; a wrong token, or a header
/// that is not exactly two space-separated parts, is 403. The comparison takes the same time wherever
/// the first difference is. The token never appears in a response or a log.
/// </summary>
internal sealed class TokenAuthenticator(string token)
{
    private static readonly byte[] s_noToken = Encoding.UTF8.GetBytes("no session token provided");
    private static readonly byte[] s_invalid = Encoding.UTF8.GetBytes("invalid session token");
    private static readonly StringValues s_challenge = new("Bearer realm=\"Datadog Agent\"");

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
        Reject(context, StatusCodes.Status401Unauthorized, Encoding.UTF8.GetBytes("unsupported authorization scheme: " + Sanitize(scheme)));

    /// <summary>Echo at most a short, printable scheme: the header is attacker-controlled.</summary>
    private static string Sanitize(string scheme)
    {
        var trimmed = scheme.Length > 32 ? scheme[..32] : scheme;
        return string.Concat(trimmed.Where(c => c is >= ' ' and < (char)127));
    }
}
