using Dca.Metadata;

namespace Dca.Tests.Metadata;

public class ShardedMapTests
{
    [Fact]
    public void Publish_LeavesEarlierVersionsUnchanged()
    {
        var builder = new ShardedMap<string>.Builder();
        for (var i = 0; i < 1000; i++)
        {
            builder.Set("node-" + i, "v1");
        }
        var first = builder.Publish();
        builder.Set("node-7", "v2");
        builder.Remove("node-8");
        builder.Set("node-new", "v1");
        var second = builder.Publish();

        Assert.Equal(1000, first.Count);
        Assert.Equal("v1", first["node-7"]);
        Assert.True(first.ContainsKey("node-8"));
        Assert.False(first.ContainsKey("node-new"));

        Assert.Equal(1000, second.Count);
        Assert.Equal("v2", second["node-7"]);
        Assert.False(second.TryGetValue("node-8", out _));
        Assert.Equal("v1", second["node-new"]);
        Assert.Equal(1000, second.Select(p => p.Value).Count());
        Assert.Equal(second.Keys.Order(StringComparer.Ordinal), second.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Publish_WithoutChanges_ReturnsTheSameVersion()
    {
        var builder = new ShardedMap<string>.Builder();
        builder.Set("a", "1");
        var first = builder.Publish();
        Assert.False(builder.HasChanges);
        Assert.Same(first, builder.Publish());
        builder.Remove("missing");
        Assert.False(builder.HasChanges);
        builder.Set("a", "1");
        Assert.True(builder.HasChanges);
    }

    [Fact]
    public void Empty_HasNothing()
    {
        Assert.Empty(ShardedMap<string>.Empty);
        Assert.False(ShardedMap<string>.Empty.TryGetValue("x", out _));
        Assert.Throws<KeyNotFoundException>(() => ShardedMap<string>.Empty["x"]);
    }
}
