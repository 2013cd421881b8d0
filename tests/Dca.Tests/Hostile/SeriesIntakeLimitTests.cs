using Dca.ExternalMetrics;
using Xunit.Abstractions;

namespace Dca.Tests.Hostile;

/// <summary>Runs alone: these tests measure what the whole process allocates while a request is refused.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public static class AllocationMeasured
{
    public const string Name = "allocation measured";
}

/// <summary>
/// The series intake's limits (<see cref="SeriesIntake.MaxBody"/> on the wire and once decompressed): a body past them
/// gets 413 with the reason before it is buffered, and a compression bomb is decompressed no further than the limit.
/// </summary>
[Collection(AllocationMeasured.Name)]
public sealed class SeriesIntakeLimitTests(HostileAgent fixture, ITestOutputHelper output) : IClassFixture<HostileAgent>
{
    private const string Route = "/api/v2/series";

    private Task<RawResponse> PostAsync(byte[] body, params string[] headers) =>
        RawHttp.SendAsync(fixture.CommandPort, tls: true, RawHttp.Request("POST", Route, [HostileAgent.Authorization, .. headers], body.Length), new MemoryStream(body));

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Post_CompressionBomb_Gets413_AfterDecompressingNoMoreThanTheLimit(string encoding)
    {
        // 512 MiB of zeros in well under 1 MiB on the wire.
        var bomb = SeriesIntakeInputTests.Compress(new byte[1 << 20], encoding, repeat: 512);
        Assert.True(bomb.Length < 1 << 20);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var response = await PostAsync(bomb, "Content-Encoding: " + encoding);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        output.WriteLine($"{encoding} bomb: {bomb.Length} bytes on the wire, 512 MiB decompressed: refused after allocating {allocated >> 20} MiB in the process");
        Assert.Equal(413, response.Status);
        Assert.Contains("larger than 16 MiB once decompressed", response.Body, StringComparison.Ordinal);
        // What the whole process allocated meanwhile (this test's client included): the limit's buffer, not the bomb's 512 MiB.
        Assert.True(allocated < 128L << 20, $"a {bomb.Length}-byte bomb cost {allocated >> 20} MiB");
        await fixture.AssertStillServingAsync();
    }

    [Fact]
    public async Task Post_BodyPastTheLimit_Gets413WithTheReason_DeclaredChunkedOrNeverSent()
    {
        var big = new byte[SeriesIntake.MaxBody + 1];

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var declared = await PostAsync(big);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"a declared {big.Length}-byte body: refused after allocating {allocated >> 10} KiB in the process");
        Assert.Equal(413, declared.Status);
        Assert.Contains("at most 16 MiB", declared.Body, StringComparison.Ordinal);
        // Refused on its Content-Length: nothing buffered.
        Assert.True(allocated < 12L << 20, $"refusing a declared 16 MiB body cost {allocated >> 20} MiB");

        // A length announced but never sent: refused on the header, not waited for.
        var announced = await RawHttp.SendAsync(fixture.CommandPort, tls: true, RawHttp.Request("POST", Route, [HostileAgent.Authorization], 64 << 20));
        Assert.Equal(413, announced.Status);
        Assert.Contains("at most 16 MiB", announced.Body, StringComparison.Ordinal);

        var chunked = await RawHttp.SendAsync(fixture.CommandPort, tls: true, RawHttp.Request("POST", Route, [HostileAgent.Authorization, "Transfer-Encoding: chunked"]),
            RawHttp.Chunked(big));
        Assert.Equal(413, chunked.Status);
        Assert.Contains("16", chunked.Body, StringComparison.Ordinal);
        await fixture.AssertStillServingAsync();
    }
}
