
namespace Dca.Sim;

/// <summary>The simulator's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "API server listening on {Url}")]
    public static partial void ApiListening(ILogger logger, Uri url);

    [LoggerMessage(2, LogLevel.Information, "Kubelets listening on port {Port} (node i at 127.1.0.0 + i + 1)")]
    public static partial void KubeletsListening(ILogger logger, int port);

    [LoggerMessage(3, LogLevel.Information, "Scenario loaded: {Nodes} nodes, {Pods} pods, {Services} services in {Milliseconds} ms (resourceVersion {ResourceVersion})")]
    public static partial void ScenarioLoaded(ILogger logger, int nodes, long pods, long services, long milliseconds, long resourceVersion);

    [LoggerMessage(4, LogLevel.Error, "Scenario activity failed")]
    public static partial void ActivityFailed(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "Kubeconfig written to {Path}")]
    public static partial void KubeconfigWritten(ILogger logger, string path);

    [LoggerMessage(6, LogLevel.Information, "Stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(7, LogLevel.Debug, "Loaded {Count} {Resource} in {Milliseconds} ms")]
    public static partial void ResourceLoaded(ILogger logger, int count, string resource, long milliseconds);

    [LoggerMessage(8, LogLevel.Debug, "GC after load: {Gen0}/{Gen1}/{Gen2} collections, {PauseMilliseconds} ms paused, heap {HeapBytes} bytes")]
    public static partial void GcAfterLoad(ILogger logger, int gen0, int gen1, int gen2, long pauseMilliseconds, long heapBytes);
}
