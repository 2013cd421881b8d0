using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;
using Microsoft.Extensions.Logging;

namespace Dca.Kubernetes.Informers;

/// <summary>
/// Keeps an <see cref="ObjectStore{T}"/> equal to the API server's objects, in one loop of one shape
/// (STYLE.md 2): paged list → watch from the list's resourceVersion with bookmarks → on 410 Gone (or
/// an ERROR event with reason Expired) relist and report only the difference → on failure reconnect
/// with jittered backoff (the client already honours Retry-After) → an idle watchdog abandons silent
/// streams. A loop that cannot recover marks itself dead rather than serving stale data silently.
/// Objects arrive as <typeparamref name="T"/> and are kept as <typeparamref name="TStored"/>, the
/// consumer's own compact form made by <see cref="Transform"/> (client-go's transform may likewise
/// return another type); <see cref="Reflector{T}"/> keeps them as they arrive.
/// </summary>
public partial class Reflector<T, TStored> : IReflector
    where T : class, IKubernetesObject
    where TStored : class, IStoredObject
{
    private readonly KubernetesClient _client;
    private readonly ResourceKind<T> _kind;
    private readonly ReflectorOptions _options;
    private readonly IReflectorHandler<TStored>? _handler;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private string _resourceVersion = "";
    private long _relists;
    private long _watchRestarts;
    private long _events;
    private long _errors;
    private long _lastSuccess;
    private volatile ReflectorState _state = ReflectorState.Starting;
    private volatile string? _lastError;

    /// <summary>
    /// Creates a reflector; pass <c>store</c> when others must hold the store before the reflector exists,
    /// or to keep less than the objects (<see cref="VersionIndex"/>).
    /// </summary>
    public Reflector(KubernetesClient client, ResourceKind<T> kind, ReflectorOptions options, IReflectorHandler<TStored>? handler, ILoggerFactory loggerFactory, IReflectorStore<TStored>? store = null)
    {
        Store = store ?? new ObjectStore<TStored>();
        _client = client;
        _kind = kind;
        _options = options;
        _handler = handler;
        _time = client.TimeProvider;
        _logger = loggerFactory.CreateLogger("Dca.Kubernetes.Reflector");
        _lastSuccess = _time.GetTimestamp();
    }

    public IReflectorStore<TStored> Store { get; }

    /// <summary>
    /// Applied to every object before it is stored or reported (client-go's transform): drop what the
    /// consumer will never read, so the store holds less. Set before <see cref="RunAsync"/>.
    /// </summary>
    public Func<T, TStored>? Transform { get; init; }

    private TStored Convert(T item) => Transform is not null ? Transform(item)
        : item as TStored ?? throw new InvalidOperationException($"{Name}: a reflector that stores another type than it receives needs a Transform");

    public int ObjectCount => Store.Count;

    /// <summary>The resource, for logs and metrics (e.g. <c>endpointslices.discovery.k8s.io</c>).</summary>
    public string Name => _kind.DisplayName + (_kind.MetadataOnly ? " (metadata)" : "");

    /// <summary>The last resourceVersion seen (list, event or bookmark).</summary>
    public string ResourceVersion => Volatile.Read(ref _resourceVersion);

    public ReflectorState State => _state;

    /// <summary>True once the first list has completed.</summary>
    public bool HasSynced { get; private set; }

    public string? LastError => _lastError;

    public long Relists => Interlocked.Read(ref _relists);

    public long WatchRestarts => Interlocked.Read(ref _watchRestarts);

    public long EventsReceived => Interlocked.Read(ref _events);

    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Healthy: synced and not failing for longer than <see cref="ReflectorOptions.UnhealthyAfter"/>.</summary>
    public bool IsHealthy => HasSynced && _state != ReflectorState.Dead
        && (_state != ReflectorState.Failing || _time.GetElapsedTime(Interlocked.Read(ref _lastSuccess)) < _options.UnhealthyAfter);

    /// <summary>Time since the last successful list, watch event or bookmark.</summary>
    public TimeSpan SinceLastSuccess => _time.GetElapsedTime(Interlocked.Read(ref _lastSuccess));

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var needList = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAsync(cancellationToken);
                    needList = false;
                }
                var outcome = await WatchAsync(cancellationToken);
                failures = 0;
                if (outcome == WatchOutcome.Expired)
                {
                    needList = true;
                }
                Interlocked.Increment(ref _watchRestarts);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (KubernetesApiException ex) when (ex.IsExpired)
            {
                // A continue token or the watch resourceVersion fell out of the server's history.
                Log.Expired(_logger, Name, ex.Message);
                needList = true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures++;
                Interlocked.Increment(ref _errors);
                _lastError = ex.Message;
                _state = ReflectorState.Failing;
                var delay = Backoff(failures);
                Log.Failed(_logger, Name, ex.Message, failures, delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        _state = ReflectorState.Stopped;
    }

    /// <summary>Marks the reflector dead (its loop will not run again); the process should restart.</summary>
    public void MarkDead(string reason)
    {
        _lastError = reason;
        _state = ReflectorState.Dead;
    }

    private TimeSpan Backoff(int failures)
    {
        var ceiling = Math.Min(_options.MaxBackoff.TotalMilliseconds, _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    private void Succeeded()
    {
        Interlocked.Exchange(ref _lastSuccess, _time.GetTimestamp());
        if (_state != ReflectorState.Dead)
        {
            _state = ReflectorState.Watching;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Information, "{Resource}: listed {Count} objects at resourceVersion {ResourceVersion} ({Added} added, {Updated} updated, {Deleted} deleted)")]
        public static partial void Listed(ILogger logger, string resource, int count, string resourceVersion, int added, int updated, int deleted);

        [LoggerMessage(101, LogLevel.Information, "{Resource}: resourceVersion expired ({Message}); relisting")]
        public static partial void Expired(ILogger logger, string resource, string message);

        [LoggerMessage(102, LogLevel.Warning, "{Resource}: {Error}; failure {Failures}, reconnecting in {DelayMs:F0} ms")]
        public static partial void Failed(ILogger logger, string resource, string error, int failures, double delayMs);

        [LoggerMessage(103, LogLevel.Debug, "{Resource}: watch from resourceVersion {ResourceVersion} ended: {Outcome}")]
        public static partial void WatchEnded(ILogger logger, string resource, string resourceVersion, string outcome);

        [LoggerMessage(104, LogLevel.Warning, "{Resource}: watch error {Code} {Reason}: {Message}")]
        public static partial void WatchError(ILogger logger, string resource, int code, string? reason, string? message);
    }
}

/// <summary>Where a reflector's loop is.</summary>
public enum ReflectorState
{
    Starting,
    Watching,
    Failing,
    Stopped,
    Dead,
}

/// <summary>A <see cref="Reflector{T, TStored}"/> that keeps objects as they arrive (optionally trimmed by <c>Transform</c>) in an <see cref="ObjectStore{T}"/>.</summary>
public sealed class Reflector<T>(KubernetesClient client, ResourceKind<T> kind, ReflectorOptions options, IReflectorHandler<T>? handler, ILoggerFactory loggerFactory, ObjectStore<T>? store = null)
    : Reflector<T, T>(client, kind, options, handler, loggerFactory, store ?? new ObjectStore<T>())
    where T : class, IKubernetesObject
{
    public new ObjectStore<T> Store => (ObjectStore<T>)base.Store;
}
