using System.Text;
using Dca.Api;
using Dca.Metadata;
using Microsoft.Extensions.Primitives;

namespace Dca.Tests.Metadata;

/// <summary>Bodies kept gzip-compressed when it pays, and the <c>Accept-Encoding</c> reading that decides how they are sent.</summary>
public sealed class StoredBodyTests
{
    private static byte[] Json(int pods) => Encoding.UTF8.GetBytes(
        "{\"Nodes\":{\"node-1\":{\"services\":{\"default\":{" + string.Join(',', Enumerable.Range(0, pods).Select(i => $"\"web-7c9f8d6b5-{i:x5}\":{{\"web\":{{}}}}")) + "}}}}}");

    [Fact]
    public void Pack_LargeRepetitiveJson_GzipThatUnpacksToTheSameBytes()
    {
        var json = Json(30);

        var stored = StoredBody.Pack(json);

        Assert.True(StoredBody.IsGzip(stored));
        Assert.True(stored.Length < json.Length / 2, $"{stored.Length} of {json.Length}");
        Assert.Equal(json.Length, StoredBody.JsonLength(stored));
        Assert.Equal(json, StoredBody.Json(stored));
        Assert.Equal(stored, StoredBody.Pack(json));
    }

    [Fact]
    public void Pack_SmallJson_KeptAsItIs()
    {
        var json = Encoding.UTF8.GetBytes("""{"uid":"0b5c9c9e-0e55-4c1e-9b59-2f6f0b3e0c11"}""");

        Assert.Same(json, StoredBody.Pack(json));
        Assert.False(StoredBody.IsGzip(json));
        Assert.Same(json, StoredBody.Json(json));
    }

    [Fact]
    public void Pack_IncompressibleJson_KeptAsItIs()
    {
        var random = new Random(7);
        var json = Encoding.UTF8.GetBytes("\"" + Convert.ToBase64String(Enumerable.Range(0, 600).Select(_ => (byte)random.Next(256)).ToArray()) + "\"");

        Assert.Same(json, StoredBody.Pack(json));
    }

    [Theory]
    [InlineData("gzip", true)]
    [InlineData("GZIP", true)]
    [InlineData("deflate, gzip", true)]
    [InlineData("br;q=1.0, gzip;q=0.8", true)]
    [InlineData("x-gzip", true)]
    [InlineData("*", true)]
    [InlineData("gzip;q=0", false)]
    [InlineData("gzip; q=0.000", false)]
    [InlineData("gzip;Q=0.", false)]
    [InlineData("gzip;q=0.001", true)]
    [InlineData("gzip;q=0, *", false)]
    [InlineData("*;q=0", false)]
    [InlineData("deflate, br", false)]
    [InlineData("identity", false)]
    [InlineData("", false)]
    [InlineData("gzipped", false)]
    public void AcceptsGzip_ReadsCodingsAndWeights(string header, bool accepted)
    {
        Assert.Equal(accepted, ApiEndpoint.AcceptsGzip(new StringValues(header)));
    }

    [Fact]
    public void AcceptsGzip_SeveralHeaderLines_AllRead()
    {
        Assert.True(ApiEndpoint.AcceptsGzip(new StringValues(["deflate", "gzip"])));
        Assert.False(ApiEndpoint.AcceptsGzip(StringValues.Empty));
    }
}
