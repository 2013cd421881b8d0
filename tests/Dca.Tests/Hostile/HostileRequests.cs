using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Dca.Tests.Hostile;

/// <summary>
/// Random requests for every port: a method, a route prefix followed by random segments (printable ASCII as is, the rest
/// percent-encoded, raw <c>%</c> and <c>..</c> included), a random query, one of several credentials, maybe a body.
/// </summary>
internal static class HostileRequests
{
    private static readonly string[] s_prefixes =
    [
        "/", "/version", "/status", "/api/v1/tags/pod/", "/api/v1/tags/node/", "/api/v1/annotations/node/", "/api/v1/uid/node/", "/api/v1/tags/namespace/",
        "/api/v1/metadata/namespace/", "/api/v1/cluster/id", "/api/v1/clusterchecks/", "/api/v1/clusterchecks/configs/", "/api/v1/clusterchecks/status/",
        "/api/v1/clusterchecks/rebalance", "/api/v1/endpointschecks/configs/", "/api/v1/externalmetrics/ns/", "/api/v2/series",
    ];

    private static readonly string[] s_methods = ["GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"];

    private static readonly string[] s_auth = [HostileAgent.Authorization, HostileAgent.Authorization, HostileAgent.Authorization, "", "Authorization: Bearer nope", "Authorization: Basic x",
        HostileAgent.Authorization + "\r\n" + HostileAgent.Authorization];

    /// <summary>A path segment as a client could write it: printable ASCII kept, everything else percent-encoded, with raw <c>%</c> now and then.</summary>
    private static string Encode(string text)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is (byte)'%' or (byte)'.' or (byte)'-' or (byte)'_' or (byte)'~' or (byte)':' or (byte)'@' or (byte)'=' or (byte)'&' or (byte)',' or (byte)'(' or (byte)')'
                || char.IsAsciiLetterOrDigit((char)b))
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return encoded.ToString();
    }

    public static readonly Gen<(string Method, string Target, string Auth, byte[]? Body)> Any =
        Gen.Zip(
            Gen.Zip(Gen.Elements(s_methods), Gen.Elements(s_prefixes), static (m, p) => (m, p)),
            Gen.Zip(
                Gen.Zip(HostileInput.Text.ArrayOf().Select(static s => string.Join('/', s.Select(Encode))), HostileInput.Text.Select(Encode), static (path, query) => (path, query)),
                Gen.Zip(Gen.Elements(s_auth), Gen.OneOf(Gen.Constant<byte[]?>(null), HostileInput.Bytes.Select(static b => (byte[]?)b)), static (a, b) => (a, b)),
                static (x, y) => (x.path, x.query, y.a, y.b)),
            static (first, rest) => (first.m, first.p + rest.path + (rest.query.Length > 0 ? "?" + rest.query : ""), rest.a, rest.b));

    /// <summary>Kestrel refuses a path that decodes to NUL itself (400, no body), before any route.</summary>
    public static bool RefusedByKestrel(string target) => target.Contains("%00", StringComparison.Ordinal);
}
