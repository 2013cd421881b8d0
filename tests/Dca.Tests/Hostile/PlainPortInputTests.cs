namespace Dca.Tests.Hostile;

/// <summary>The plain-HTTP health (5556) and metrics (5000) ports: any path is liveness, or a 404, or a 405 with a reason.</summary>
public sealed class PlainPortInputTests(HostileAgent fixture) : IClassFixture<HostileAgent>
{
    [Fact]
    public async Task PlainPorts_AnyRequest_IsAnsweredWithAReason()
    {
        var health = fixture.HealthPort;
        var metrics = fixture.MetricsPort;
        Assert.Equal(405, (await RawHttp.SendAsync(health, tls: false, RawHttp.Request("POST", "/ready"))).Status);
        Assert.Contains("not allowed", (await RawHttp.SendAsync(health, tls: false, RawHttp.Request("OPTIONS", "/startup"))).Body, StringComparison.Ordinal);
        var unknown = await RawHttp.SendAsync(metrics, tls: false, RawHttp.Request("GET", "/nope"));
        Assert.Equal((404, "404 page not found\n"), (unknown.Status, unknown.Body));
        Assert.Contains("not allowed", (await RawHttp.SendAsync(metrics, tls: false, RawHttp.Request("DELETE", "/metrics"))).Body, StringComparison.Ordinal);
        foreach (var (method, target, _, body) in HostileInput.Sample(HostileRequests.Any, 120))
        {
            foreach (var port in new[] { health, metrics })
            {
                var response = await RawHttp.SendAsync(port, tls: false, RawHttp.Request(method, target, null, body?.Length ?? -1), body is null ? null : new MemoryStream(body));
                Answers.AssertHandled(response, $"{method} {target} on {port}", head: method == "HEAD", serverMayRefuse: HostileRequests.RefusedByKestrel(target));
            }
        }
        await fixture.AssertStillServingAsync();
    }
}
