using Dca.Kubernetes.Config;
using Dca.Testing;

namespace Dca.Kubernetes.Tests.Config;

internal static class CredentialSourceTestExtensions
{
    /// <summary>Gets the credentials, failing the test instead of hanging when the source never answers.</summary>
    public static Task<Credentials> GetBoundedAsync(this ICredentialSource source) =>
        source.GetAsync(CancellationToken.None).AsTask().WithTimeout();
}
