using System.Security.Cryptography.X509Certificates;

namespace Dca.Kubernetes.Config;

/// <summary>The credentials a request presents. Implementations cache and refresh as their kind requires.</summary>
public interface ICredentialSource
{
    /// <summary>The current credentials; may run an exec plugin or re-read a token file.</summary>
    ValueTask<Credentials> GetAsync(CancellationToken cancellationToken);

    /// <summary>Called after a 401: drop cached credentials so the next request fetches fresh ones.</summary>
    void Invalidate();
}

/// <summary>A bearer token and/or a client certificate. Never logged.</summary>
public sealed record Credentials(string? BearerToken, X509Certificate2? ClientCertificate)
{
    public static readonly Credentials None = new(null, null);

    /// <summary>
    /// Why <paramref name="token"/> cannot be sent as a bearer token, or null when it can: a control character
    /// (a newline, NUL, tab) would break the Authorization header or inject another one.
    /// </summary>
    internal static string? TokenProblem(string token) =>
        token.AsSpan().ContainsAnyInRange('\0', '\x1f') || token.Contains('\x7f', StringComparison.Ordinal)
            ? "contains control characters (a newline, NUL or tab); a bearer token cannot"
            : null;

    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"Credentials(token: {(BearerToken is null ? "none" : "set")}, client certificate: {(ClientCertificate is null ? "none" : ClientCertificate.Subject)})";
}
