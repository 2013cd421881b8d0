using Dca.Kubernetes.Client;

namespace Dca.Kubernetes.Tests.Hostile;

/// <summary>
/// Wraps the client's transport and counts the response bytes the client actually read off the network: what a
/// body limit must bound (the server's own count is no measure: Kestrel accepts writes after the client left).
/// </summary>
internal sealed class ReadCountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly List<LengthLimitedStream> _bodies = [];

    public long BytesRead
    {
        get
        {
            lock (_bodies)
            {
                return _bodies.Sum(b => b.Position);
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var counted = new LengthLimitedStream(await response.Content.ReadAsStreamAsync(cancellationToken), long.MaxValue);
        lock (_bodies)
        {
            _bodies.Add(counted);
        }
        var content = new StreamContent(counted);
        foreach (var header in response.Content.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        response.Content = content;
        return response;
    }
}
