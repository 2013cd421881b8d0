using Dca.ExternalMetrics;

namespace Dca.Tests.ExternalMetrics;

/// <summary>The series intake reads a bounded number of payloads at once (each may buffer up to 16 MiB).</summary>
public sealed class SeriesIntakeGateTests
{
    [Fact]
    public void TryBeginPayload_BeyondTheLimit_Refused_UntilOneEnds()
    {
        var store = new AgentSeriesStore(TimeProvider.System, TimeSpan.FromMinutes(2));

        var admitted = Enumerable.Range(0, ExternalMetricsApi.MaxConcurrentPayloads).Count(_ => store.TryBeginPayload(ExternalMetricsApi.MaxConcurrentPayloads));

        Assert.Equal(ExternalMetricsApi.MaxConcurrentPayloads, admitted);
        Assert.False(store.TryBeginPayload(ExternalMetricsApi.MaxConcurrentPayloads));
        store.EndPayload();
        Assert.True(store.TryBeginPayload(ExternalMetricsApi.MaxConcurrentPayloads));
    }
}
