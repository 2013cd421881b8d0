namespace Dca.Api;

/// <summary>When the certificate files are re-read: a change in their directories, and a poll.</summary>
internal sealed partial class ServerCertificateSource : IHostedService, IDisposable
{
    /// <summary>
    /// A burst of changes (a copy of the certificate, then of the key; the kubelet's writes of a Secret's new
    /// timestamped directory, then its ..data swap) is read once, this long after the last of them, so that a
    /// pair written one file after the other is not reported as broken in between.
    /// </summary>
    internal static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    private readonly List<FileSystemWatcher> _watchers = [];
    private ITimer? _settle;
    private ITimer? _poll;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_certificatePath is null || _keyPath is null)
        {
            return Task.CompletedTask;
        }
        _settle = _time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        // The poll catches what the watch cannot see: a file that is a symlink into another directory
        // (inotify reports changes of the watched directory's entries only), or no inotify instance left.
        _poll = _time.CreateTimer(_ => Reload(), null, _pollInterval, _pollInterval);
        // The directories, not the files: a Secret or ConfigMap volume is updated by renaming its ..data symlink
        // (the files are symlinks through it), which changes neither file's inode.
        foreach (var directory in new[] { _certificatePath, _keyPath }.Select(DirectoryOf).Distinct(StringComparer.Ordinal))
        {
            Watch(directory);
        }
        // A change between the first read and the watch.
        Reload();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
        _watchers.Clear();
        _poll?.Dispose();
        _settle?.Dispose();
    }

    private void Watch(string directory)
    {
        try
        {
            var watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size |
                    NotifyFilters.CreationTime | NotifyFilters.Attributes,
            };
            watcher.Changed += OnChange;
            watcher.Created += OnChange;
            watcher.Deleted += OnChange;
            watcher.Renamed += OnChange;
            // A lost watch (the directory went away, an inotify queue overflow) leaves the poll.
            watcher.Error += (_, e) => Log.WatchFailed(_logger, directory, e.GetException().Message, _pollInterval.TotalSeconds);
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // The usual one: "The configured user limit on the number of inotify instances has been reached".
            Log.WatchFailed(_logger, directory, ex.Message, _pollInterval.TotalSeconds);
        }
    }

    private void OnChange(object sender, FileSystemEventArgs e)
    {
        try
        {
            _settle?.Change(Settle, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // A change reported while stopping: an exception here would end the process (a thread-pool callback).
        }
    }

    private static string DirectoryOf(string path) => Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
}
