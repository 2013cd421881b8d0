using System.Security.Cryptography.X509Certificates;

namespace Dca.Protocol.ClusterAgent;

/// <summary>Certificate trust shared by the agents' TLS clients.</summary>
public static class TlsTrust
{
    /// <summary>
    /// A chain policy that trusts only <paramref name="roots"/> (none: nothing verifies, for callers that
    /// accept any certificate). SslStream builds the chain with it, so the system's root store is never
    /// loaded (a megabyte or two of native memory for nothing).
    /// </summary>
    public static X509ChainPolicy CustomRoots(X509Certificate2Collection roots)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(roots);
        return policy;
    }
}
