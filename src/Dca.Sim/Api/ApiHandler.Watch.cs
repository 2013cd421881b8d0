using Dca.Sim.Store;

namespace Dca.Sim.Api;

internal sealed partial class ApiHandler
{
    /// <summary>
    /// A watch: newline-delimited <c>{"type":...,"object":...}</c> events over a chunked 200 answer,
    /// filtered by namespace and selectors the way the watch cache filters (an update that leaves
    /// the selection is DELETED, one that enters it is ADDED), bookmarks when asked, closed cleanly
    /// at <c>timeoutSeconds</c>, and subject to the drop and stall switches.
    /// </summary>
    private async Task WatchAsync(HttpContext ctx, ApiRoute route)
    {
        var query = ctx.Request.Query;
        var ns = route.Namespace;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], route.Type);
        if (route.Name is not null)
        {
            fields = FieldSelector.Parse("metadata.name=" + route.Name + (query["fieldSelector"] is { Count: > 0 } f ? "," + f : ""), route.Type);
        }
        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        var sendInitial = IsTrue(query["sendInitialEvents"]);
        var timeout = ParseInt(query["timeoutSeconds"], "timeoutSeconds") is > 0 and var t
            ? TimeSpan.FromSeconds(t)
            : TimeSpan.FromSeconds(1800 + Random.Shared.Next(1800));
        var renderer = Renderer(ctx, route.Type);
        var rv = sendInitial ? "0" : query["resourceVersion"].ToString();

        bool Matches(StoredObject? o) =>
            o is not null && (ns.Length == 0 || o.Namespace == ns) && labels.Matches(o) && fields.Matches(o);

        WatchSubscription subscription;
        try
        {
            subscription = api.Store.Watch(route.Type, rv);
        }
        catch (StatusException ex) when (ex.Code == 410)
        {
            // The real server answers 200 and sends the 410 as an ERROR event.
            await StartStreamAsync(ctx, renderer);
            using var errorStream = new WatchStreamWriter(ctx.Response.BodyWriter, renderer);
            errorStream.Error(ex);
            await errorStream.FlushAsync(true, ctx.RequestAborted);
            return;
        }
        using var _ = subscription;
        using var timeoutCts = new CancellationTokenSource(timeout, api.Time);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, api.Stopping, timeoutCts.Token);
        var ct = cts.Token;
        var faults = api.Faults.Settings;
        using var dropCts = faults.WatchDropSeconds > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(faults.WatchDropSeconds), api.Time) : null;
        using var dropRegistration = dropCts?.Token.Register(ctx.Abort);

        await StartStreamAsync(ctx, renderer);
        using var stream = new WatchStreamWriter(ctx.Response.BodyWriter, renderer);
        try
        {
            foreach (var obj in subscription.Initial)
            {
                if (Matches(obj))
                {
                    stream.Event("ADDED", obj);
                    await stream.FlushAsync(false, ct);
                }
            }
            if (sendInitial)
            {
                stream.Bookmark(subscription.StartResourceVersion, initialEventsEnd: true);
            }
            await stream.FlushAsync(true, ct);
            using var bookmarkTimer = bookmarks ? StartBookmarks(subscription, ct) : null;
            var reader = subscription.Events;
            while (await reader.WaitToReadAsync(ct))
            {
                if (api.Faults.Settings.WatchStall)
                {
                    // Stalled: the connection stays open and silent until the client gives up or the timeout ends it.
                    await Task.Delay(Timeout.InfiniteTimeSpan, api.Time, ct);
                }
                while (reader.TryRead(out var e))
                {
                    if (e.Type == WatchEventType.Bookmark)
                    {
                        stream.Bookmark(e.ResourceVersion, initialEventsEnd: false);
                        continue;
                    }
                    var now = Matches(e.Object);
                    var before = e.Type != WatchEventType.Added && Matches(e.Previous);
                    var type = (e.Type, before, now) switch
                    {
                        (WatchEventType.Added, _, true) => "ADDED",
                        (WatchEventType.Modified, true, true) => "MODIFIED",
                        (WatchEventType.Modified, false, true) => "ADDED",
                        (WatchEventType.Modified, true, false) => "DELETED",
                        (WatchEventType.Deleted, true, _) => "DELETED",
                        _ => null,
                    };
                    if (type is not null)
                    {
                        stream.Event(type, e.Object!);
                    }
                    await stream.FlushAsync(false, ct);
                }
                await stream.FlushAsync(true, ct);
            }
        }
        catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !ctx.RequestAborted.IsCancellationRequested)
        {
            // timeoutSeconds reached: end the stream cleanly.
        }
    }

    private ITimer StartBookmarks(WatchSubscription subscription, CancellationToken ct) =>
        api.Time.CreateTimer(
            _ =>
            {
                if (!ct.IsCancellationRequested)
                {
                    subscription.RequestBookmark();
                }
            },
            null, api.BookmarkInterval, api.BookmarkInterval);

    private static async Task StartStreamAsync(HttpContext ctx, ObjectRenderer renderer)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = renderer.Representation == Representation.Full ? "application/json" : renderer.ContentType(list: false);
        ctx.Response.Headers.CacheControl = "no-cache, private";
        await ctx.Response.StartAsync(ctx.RequestAborted);
    }
}
