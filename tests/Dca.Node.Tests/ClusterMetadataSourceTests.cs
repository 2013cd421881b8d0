using Dca.Node.Collection;
using Dca.Protocol.ClusterAgent;

namespace Dca.Node.Tests;

/// <summary>How long the node agent waits after a failed poll of the cluster agent.</summary>
public sealed class ClusterMetadataSourceTests
{
    [Theory]
    [InlineData(0.0, 4.0)]
    [InlineData(0.5, 6.0)]
    [InlineData(0.999, 7.996)]
    public void FailureWait_Unreachable_IsHalfToAllOfTheBackoff(double random, double expectedSeconds)
    {
        var wait = ClusterMetadataSource.FailureWait(TimeSpan.FromSeconds(8), new ClusterAgentException("unreachable", null), random);

        Assert.Equal(expectedSeconds, wait.TotalSeconds, 3);
    }

    [Theory]
    [InlineData(0.0, 30.0)]
    [InlineData(0.999, 44.985)]
    public void FailureWait_SheddingClusterAgent_WaitsItsRetryAfterPlusUpToHalf(double random, double expectedSeconds)
    {
        var shed = new ClusterAgentException("503", 503) { RetryAfter = TimeSpan.FromSeconds(30) };

        var wait = ClusterMetadataSource.FailureWait(TimeSpan.FromSeconds(2), shed, random);

        Assert.Equal(expectedSeconds, wait.TotalSeconds, 3);
    }

    [Fact]
    public void FailureWait_RetryAfterShorterThanTheBackoff_KeepsTheBackoff()
    {
        var shed = new ClusterAgentException("429", 429) { RetryAfter = TimeSpan.FromSeconds(1) };

        Assert.Equal(60, ClusterMetadataSource.FailureWait(TimeSpan.FromSeconds(120), shed, 0).TotalSeconds, 3);
    }

    [Fact]
    public void FailureWait_ManyNodeAgentsRefusedTogether_SpreadOverHalfTheRetryAfter()
    {
        var shed = new ClusterAgentException("503", 503) { RetryAfter = TimeSpan.FromSeconds(10) };
        var random = new Random(42);

        var waits = Enumerable.Range(0, 5000).Select(_ => ClusterMetadataSource.FailureWait(TimeSpan.FromSeconds(1), shed, random.NextDouble()).TotalSeconds).ToArray();

        // No more than ~1/5 of the fleet comes back in any one second of the 10-15 s window.
        Assert.All(waits, w => Assert.InRange(w, 10, 15));
        Assert.True(waits.GroupBy(w => (int)w).Max(g => g.Count()) < 5000 / 4, "the retries are spread");
    }
}
