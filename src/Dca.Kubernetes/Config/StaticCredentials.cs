namespace Dca.Kubernetes.Config;

/// <summary>Credentials that never change: an inline token and/or a client certificate.</summary>
public sealed class StaticCredentials(Credentials credentials) : ICredentialSource
{
    public ValueTask<Credentials> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credentials);

    public void Invalidate()
    {
    }
}
