using System.Net;
using Dca.Api;
using Dca.Leader;
using Dca.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dca.Tests.Leader;

/// <summary>
/// ISSUE 5, forwarding (PROTOCOL.md §1.4): two HTTPS Kestrel hosts on port 0, a leader and a follower,
/// each serving one leader-only route through <see cref="LeaderForwarder"/>.
/// </summary>
public sealed class LeaderForwarderTests : IAsyncLifetime, IDisposable
{
    private readonly Replica _leader = new("dca-leader");
    private readonly Replica _follower = new("dca-follower");
    private readonly StaticResolver _resolver = new();

    public async Task InitializeAsync()
    {
        await _leader.StartAsync(_resolver);
        await _follower.StartAsync(_resolver);
        _resolver.Addresses["dca-leader"] = _leader.Address;
        _leader.Leadership.Publish(new Leadership(LeaderState.Leader, "dca-leader", 1, DateTimeOffset.UnixEpoch));
        _follower.Leadership.Publish(new Leadership(LeaderState.Follower, "dca-leader", 0, DateTimeOffset.UnixEpoch));
    }

    public async Task DisposeAsync()
    {
        await _leader.StopAsync();
        await _follower.StopAsync();
    }

    public void Dispose()
    {
        _leader.Dispose();
        _follower.Dispose();
    }

    [Fact]
    public async Task Follower_ForwardsLeaderOnlyRoute_ToTheLeader()
    {
        using var response = await SendAsync(_follower);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("handled by dca-leader; forwarded=true; auth=Bearer secret-token", await response.Content.ReadAsStringAsync());
        Assert.Equal("true", Assert.Single(response.Headers.GetValues(LeaderForwarder.ForwardedResponseHeader)));
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Leader_HandlesLocally_WithoutForwardedHeader()
    {
        using var response = await SendAsync(_leader);

        Assert.Equal("handled by dca-leader; forwarded=false; auth=Bearer secret-token", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains(LeaderForwarder.ForwardedResponseHeader));
    }

    [Fact]
    public async Task Follower_AlreadyForwardedRequest_Is508()
    {
        using var response = await SendAsync(_follower, forwarded: true);

        Assert.Equal(HttpStatusCode.LoopDetected, response.StatusCode);
        Assert.StartsWith("Query was already forwarded from: ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownLeadership_Is503StartupInProgress()
    {
        _follower.Leadership.Publish(Dca.Leader.Leadership.Unknown);

        using var response = await SendAsync(_follower);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Startup in progress\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnreachableLeader_Is503_AndTheAddressIsForgotten()
    {
        _resolver.Addresses["dca-leader"] = "127.0.0.1:" + FreePort.Next();

        using var response = await SendAsync(_follower);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.StartsWith("leader forwarder is not available", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("dca-leader", _resolver.Forgotten);
    }

    private static async Task<HttpResponseMessage> SendAsync(Replica target, bool forwarded = false)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = static (_, _, _, _) => true };
        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"https://{target.Address}/api/v1/leader-only?x=1"));
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer secret-token");
        if (forwarded)
        {
            request.Headers.Add(LeaderForwarder.ForwardedRequestHeader, "true");
        }
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private sealed class StaticResolver : ILeaderAddressResolver
    {
        public Dictionary<string, string> Addresses { get; } = [];

        public List<string> Forgotten { get; } = [];

        public Task<string?> ResolveAsync(string identity, CancellationToken cancellationToken) =>
            Task.FromResult(Addresses.GetValueOrDefault(identity));

        public void Forget(string identity) => Forgotten.Add(identity);
    }

    private sealed class Replica(string name) : IDisposable
    {
        private WebApplication? _app;
        private LeaderForwarder? _forwarder;

        public LeadershipHolder Leadership { get; } = new();

        public string Address { get; private set; } = "";

        public async Task StartAsync(ILeaderAddressResolver resolver)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            var certificate = ServerCertificate.Generate("dca", "default", null, TimeProvider.System);
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
            _app = builder.Build();
            _forwarder = new LeaderForwarder(Leadership, resolver, NullLogger<LeaderForwarder>.Instance);
            _app.MapGet("/api/v1/leader-only", _forwarder.LeaderOnly(async context =>
            {
                context.Response.ContentType = "text/plain";
                var forwarded = context.Request.Headers.ContainsKey(LeaderForwarder.ForwardedRequestHeader);
                await context.Response.WriteAsync($"handled by {name}; forwarded={(forwarded ? "true" : "false")}; auth={context.Request.Headers.Authorization}");
            }));
            await _app.StartAsync();
            var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            Address = new Uri(address).Authority;
        }

        public async Task StopAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
                _app = null;
            }
        }

        public void Dispose() => _forwarder?.Dispose();
    }
}
