using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dca.Kubernetes.Models;

namespace Dca.Kubernetes.Client;

public sealed partial class KubernetesClient
{
    /// <summary>
    /// Opens a watch and yields its events as they arrive, one parse per line, no whole-body strings.
    /// The sequence ends when the server closes the stream. If no byte arrives for
    /// <paramref name="idleTimeout"/> (a stalled stream: connection open, nothing sent), it throws
    /// <see cref="WatchIdleException"/> so the caller reconnects. A line that is not a watch event, or longer than
    /// <see cref="KubernetesClientOptions.MaxObjectBytes"/> (never buffered past that), throws a
    /// <see cref="System.Text.Json.JsonException"/> naming the watch.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(
        ResourceKind<T> kind,
        ListOptions options,
        TimeSpan idleTimeout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var path = kind.CollectionPath(options.Namespace) + Query(
            ("watch", "true"),
            ("labelSelector", options.LabelSelector),
            ("fieldSelector", options.FieldSelector),
            ("resourceVersion", options.ResourceVersion),
            ("allowWatchBookmarks", options.AllowBookmarks ? "true" : null),
            ("timeoutSeconds", options.TimeoutSeconds is { } t ? Seconds(t) : null));
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        idle.CancelAfter(idleTimeout);
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(() => Request(HttpMethod.Get, path, kind.Accept(list: true)),
                "watch", Describe(kind, options.Namespace, null), streaming: true, linked.Token);
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new WatchIdleException($"watch {kind.DisplayName}: no response headers within {idleTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        using (response)
        {
            await using var stream = await response.Content.ReadAsStreamAsync(linked.Token);
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
            // How much of the unconsumed buffer is known to hold no newline: a long line is scanned once, not per read.
            long scanned = 0;
            try
            {
                while (true)
                {
                    ReadResult result;
                    try
                    {
                        idle.CancelAfter(idleTimeout);
                        result = await reader.ReadAsync(linked.Token);
                    }
                    catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        throw new WatchIdleException($"watch {kind.DisplayName}: nothing received for {idleTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
                    }
                    var buffer = result.Buffer;
                    while (TryReadLine(ref buffer, ref scanned, out var line))
                    {
                        if (line.Length > 0)
                        {
                            yield return ParseLine(line, kind);
                        }
                    }
                    if (buffer.Length > _options.MaxObjectBytes)
                    {
                        throw LineTooLong(kind);
                    }
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        yield break;
                    }
                }
            }
            finally
            {
                await reader.CompleteAsync();
            }
        }
    }

    private JsonException LineTooLong<T>(ResourceKind<T> kind) where T : class, IKubernetesObject =>
        new($"watch {kind.DisplayName}: a watch line is longer than {_options.MaxObjectBytes} bytes (MaxObjectBytes); the stream is broken");

    private WatchEvent<T> ParseLine<T>(ReadOnlySequence<byte> line, ResourceKind<T> kind)
        where T : class, IKubernetesObject
    {
        if (line.Length > _options.MaxObjectBytes)
        {
            throw LineTooLong(kind);
        }
        try
        {
            return WatchLineParser.Parse(line, kind.ItemType);
        }
        catch (JsonException ex)
        {
            throw new JsonException($"watch {kind.DisplayName}: not a watch event: {ex.Message}", ex);
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, ref long scanned, out ReadOnlySequence<byte> line)
    {
        var newline = buffer.Slice(scanned).PositionOf((byte)'\n');
        if (newline is null)
        {
            scanned = buffer.Length;
            line = default;
            return false;
        }
        line = buffer.Slice(0, newline.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        scanned = 0;
        return true;
    }
}

/// <summary>A watch stream that stayed silent past its idle deadline.</summary>
public sealed class WatchIdleException(string message) : Exception(message);
