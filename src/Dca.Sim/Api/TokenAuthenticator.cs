using System.Security.Cryptography;
using System.Text;

namespace Dca.Sim.Api;

/// <summary>Bearer tokens and the identity each stands for (the kubeconfig's "admin" plus any extra ones).</summary>
internal sealed class TokenAuthenticator(IReadOnlyDictionary<string, string> identitiesByToken)
{
    private readonly (byte[] Token, string Identity)[] _tokens =
        [.. identitiesByToken.Select(kv => (Encoding.UTF8.GetBytes(kv.Key), kv.Value))];

    /// <summary>The identity a token stands for, or null (constant-time against every known token).</summary>
    public string? IdentityOf(string token)
    {
        var presented = Encoding.UTF8.GetBytes(token);
        string? identity = null;
        foreach (var (known, name) in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(known, presented))
            {
                identity = name;
            }
        }
        return identity;
    }

    /// <summary>The identity of the request's bearer token, or null.</summary>
    public string? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return IdentityOf(header[prefix.Length..].Trim());
    }
}
