using System.Security.Cryptography.X509Certificates;

namespace Dca.Kubernetes.Config;

/// <summary>
/// A bearer token read from a file and re-read when it changes: projected service-account tokens are
/// rotated by the kubelet (client-go re-reads the file at most once a minute; we check the file's
/// modification time every <see cref="RecheckInterval"/> and re-read at once after a 401).
/// </summary>
public sealed class TokenFileCredentials(string path, X509Certificate2? clientCertificate, TimeProvider time) : ICredentialSource
{
    /// <summary>How often the file's modification time is checked.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private Credentials? _cached;
    private DateTime _cachedWriteTime;
    private long _nextCheck;

    public string Path => path;

    public ValueTask<Credentials> GetAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_cached is not null && now < _nextCheck)
            {
                return ValueTask.FromResult(_cached);
            }
            _nextCheck = now + (long)(RecheckInterval.TotalSeconds * time.TimestampFrequency);
            DateTime writeTime;
            try
            {
                writeTime = TargetWriteTime(path);
                if (_cached is not null && writeTime == _cachedWriteTime)
                {
                    return ValueTask.FromResult(_cached);
                }
                var token = BoundedFile.ReadText(path, BoundedFile.MaxTokenBytes).Trim();
                if (token.Length == 0)
                {
                    // A writer that truncates before writing leaves the file empty for a moment: keep the last
                    // good token and, as the write time is not recorded, read the file again at the next check.
                    return _cached is not null
                        ? ValueTask.FromResult(_cached)
                        : throw new KubeConfigException($"token file {path} is empty");
                }
                if (Credentials.TokenProblem(token) is { } problem)
                {
                    return _cached is not null
                        ? ValueTask.FromResult(_cached)
                        : throw new KubeConfigException($"token file {path} {problem}");
                }
                _cached = new Credentials(token, clientCertificate);
                _cachedWriteTime = writeTime;
                return ValueTask.FromResult(_cached);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Keep the last good token while the file is being replaced; fail only if there is none.
                if (_cached is not null)
                {
                    return ValueTask.FromResult(_cached);
                }
                throw new KubeConfigException($"cannot read token file {path}: {ex.Message}", ex);
            }
        }
    }

    public void Invalidate()
    {
        lock (_gate)
        {
            _cached = null;
        }
    }

    /// <summary>
    /// The modification time of the file <paramref name="file"/> finally resolves to. Projected service-account
    /// tokens are symlinks (<c>token -> ..data/token</c>, <c>..data -> ..2026_01_01_…</c>) that the kubelet
    /// rotates by swapping <c>..data</c>; the link's own time (what <see cref="File.GetLastWriteTimeUtc(string)"/>
    /// reports for a link) never changes.
    /// </summary>
    private static DateTime TargetWriteTime(string file) =>
        File.GetLastWriteTimeUtc(File.ResolveLinkTarget(file, returnFinalTarget: true)?.FullName ?? file);
}
