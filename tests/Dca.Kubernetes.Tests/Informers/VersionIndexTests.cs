using Dca.Kubernetes.Informers;
using Dca.Kubernetes.Models;
using Dca.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Dca.Kubernetes.Tests.Client.FakeApiServer;

namespace Dca.Kubernetes.Tests.Informers;

/// <summary>
/// A count-only informer (services) keeps key hashes and versions, not objects; it must count exactly
/// what an object store would through lists, relists, replays and deletes.
/// </summary>
public class VersionIndexTests
{
    [Theory]
    [InlineData("1", 1UL)]
    [InlineData("123456789", 123456789UL)]
    [InlineData("999999999999999999", 999999999999999999UL)]
    public void Of_DecimalRevision_IsKeptExactly(string resourceVersion, ulong expected) =>
        Assert.Equal(expected, StoredVersion.Of(resourceVersion));

    [Theory]
    [InlineData("01")]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("12a")]
    [InlineData("-5")]
    [InlineData("9999999999999999999")]
    [InlineData("1234567890123456789012345")]
    public void Of_AnythingElse_IsAHashApartFromEveryRevision(string resourceVersion)
    {
        var version = StoredVersion.Of(resourceVersion);
        Assert.True(version >= 1UL << 63, "hashed versions have the top bit set");
        Assert.Equal(version, StoredVersion.Of(new string(resourceVersion.AsSpan())));
        Assert.NotEqual(version, StoredVersion.Of(resourceVersion + "0"));
    }

    [Fact]
    public void Of_NullOrEmpty_IsZero()
    {
        Assert.Equal(0UL, StoredVersion.Of(null));
        Assert.Equal(0UL, StoredVersion.Of(""));
    }

    [Fact]
    public async Task Run_CountOnlyStore_CountsListsWatchesRelistsAndReplays()
    {
        await using var server = await StartAsync();
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", "page2", Pod("a", "p1", "5"), Pod("a", "p2", "6"))));
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("10", null, Pod("b", "p3", "7"))));
        // A watch that adds p4, replays p1 as the store has it, updates p2 and deletes p3; then expires.
        server.EnqueueWatch(Stream([
            Event("ADDED", Pod("b", "p4", "11")),
            Event("MODIFIED", Pod("a", "p1", "5")),
            Event("MODIFIED", Pod("a", "p2", "12")),
            Event("DELETED", Pod("b", "p3", "13")),
            Event("ERROR", Status(410, "Expired", "too old resource version")),
        ]));
        // The relist: p1 unchanged, p2 gone, p4 updated, p5 new.
        server.EnqueueList(ctx => Respond(ctx, 200, PodList("30", null, Pod("a", "p1", "5"), Pod("b", "p4", "20"), Pod("c", "p5", "21"))));
        var hold = new TaskCompletionSource();
        server.EnqueueWatch(Stream([], hold));
        using var client = server.Client();
        var handler = new VersionRecorder();
        var index = new VersionIndex();
        var reflector = new Reflector<Pod, ObjectVersion>(client, Resources.Pods, new ReflectorOptions { PageSize = 2 }, handler, NullLoggerFactory.Instance, index)
        {
            Transform = ObjectVersion.Of,
        };
        using var stop = new CancellationTokenSource();
        var loop = reflector.RunAsync(stop.Token);

        await Wait.UntilAsync(() => reflector.ResourceVersion == "30", "the relist");
        hold.SetResult();
        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(
            ["added a/p1@5", "added a/p2@6", "added b/p3@7", "added b/p4@11", "updated a/p2@12", "deleted b/p3@7",
             "updated b/p4@20", "added c/p5@21", "deleted @12"],
            handler.Changes);
        Assert.Equal(3, index.Count);
        Assert.Equal(3, reflector.ObjectCount);
        Assert.Equal(20UL, index.Get("b/p4")!.Version);
        Assert.Null(index.Get("a/p2"));
        Assert.Null(index.Get("b/p3"));
        Assert.Equal(2, handler.Syncs);
    }

    private sealed class VersionRecorder : IReflectorHandler<ObjectVersion>
    {
        public List<string> Changes { get; } = [];

        public int Syncs { get; private set; }

        public void OnAdded(ObjectVersion item) => Changes.Add($"added {item.Key}@{item.Version}");

        public void OnUpdated(ObjectVersion previous, ObjectVersion current) => Changes.Add($"updated {current.Key}@{current.Version}");

        public void OnDeleted(ObjectVersion item) => Changes.Add($"deleted {item.Key}@{item.Version}");

        public void OnSynced() => Syncs++;
    }
}
