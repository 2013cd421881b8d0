using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Config;
using Dca.Kubernetes.Models;
using Dca.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Dca.EndToEnd.Tests;

/// <summary>
/// ISSUE 5, event continuity with the native binaries: while the test creates uniquely numbered events,
/// three <c>dca</c> replicas collect them into a test intake across a kill -9 of the leader, a forced
/// 410 (the simulator compacts its history) and a SIGTERM of the next leader. Every event must reach
/// the intake exactly once.
/// </summary>
public partial class EventContinuityProcessTests(ITestOutputHelper output)
{
    private const string ApiKey = "e2e-api-key-0123456789abcdef";

    [GeneratedRegex(@"^\d+ \*\*ContinuityTest\*\*: (msg-\d+)$", RegexOptions.Multiline)]
    private static partial Regex Line();

    [Fact]
    public async Task Events_AcrossLeaderKillExpiryAndHandOver_ReachTheIntakeExactlyOnce()
    {
        await using var intake = await TestIntake.StartAsync();
        await using var cluster = await SimulatedCluster.StartAsync();
        using var client = new KubernetesClient(KubeConfigLoader.Load([cluster.Kubeconfig], null, TimeProvider.System),
            new KubernetesClientOptions(), NullLoggerFactory.Instance, TimeProvider.System);
        var replicas = new List<DcaReplica>();
        using var stop = new CancellationTokenSource();
        var created = 0;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                replicas.Add(DcaReplica.Start(cluster, "dca-" + i, 4, new Dictionary<string, string>
                {
                    ["DD_COLLECT_KUBERNETES_EVENTS"] = "true",
                    ["DD_CHECK_INTERVAL"] = "1",
                    ["DD_API_KEY"] = ApiKey,
                    ["DD_DD_URL"] = intake.BaseUri.ToString(),
                }));
            }
            var producer = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var n = Interlocked.Increment(ref created);
                    await client.CreateAsync(Resources.Events, Event(n), CancellationToken.None);
                    await Task.Delay(40, CancellationToken.None);
                }
            });

            var first = await DcaReplica.OneLeaderAsync(replicas);
            await WaitForDeliveriesAsync(intake, 20);
            await first.Process.DisposeAsync(); // kill -9
            replicas.Remove(first);

            var second = await DcaReplica.OneLeaderAsync(replicas);
            await WaitForDeliveriesAsync(intake, Delivered(intake).Count + 20);
            using (var compact = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = static (_, _, _, _) => true }))
            {
                // The next watch from the saved position answers 410: the leader relists.
                var token = File.ReadLines(cluster.Kubeconfig).Select(l => l.Trim()).First(l => l.StartsWith("token:", StringComparison.Ordinal))["token:".Length..].Trim();
                compact.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                (await compact.PostAsync(new Uri(cluster.Api, "/sim/compact"), null)).EnsureSuccessStatusCode();
            }
            await WaitForDeliveriesAsync(intake, Delivered(intake).Count + 20);
            await second.Process.TerminateAsync(TimeSpan.FromSeconds(10));
            replicas.Remove(second);

            await DcaReplica.OneLeaderAsync(replicas);
            await WaitForDeliveriesAsync(intake, Delivered(intake).Count + 20);
            await stop.CancelAsync();
            await producer;

            await Wait.UntilAsync(() => Delivered(intake).Distinct().Count() >= created, $"all {created} events at the intake", TimeSpan.FromSeconds(30));
            var delivered = Delivered(intake);
            var lost = Enumerable.Range(1, created).Select(n => "msg-" + n).Except(delivered).Count();
            var duplicated = delivered.Count - delivered.Distinct().Count();
            output.WriteLine($"{created} events created; {delivered.Count} delivered; lost {lost}, duplicated {duplicated}");
            Assert.True(lost == 0 && duplicated == 0, $"{created} events: {lost} lost, {duplicated} duplicated");
            Assert.All(intake.Requests, r => Assert.Equal(ApiKey, r.ApiKey));
        }
        catch (TimeoutException)
        {
            foreach (var replica in replicas)
            {
                foreach (var line in replica.Process.Stderr.TakeLast(30))
                {
                    output.WriteLine($"{replica.Name}: {line}");
                }
            }
            throw;
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    private static Event Event(int n) => new()
    {
        Metadata = new ObjectMeta { Name = "continuity." + n.ToString(CultureInfo.InvariantCulture), Namespace = "default" },
        InvolvedObject = new ObjectReference { Kind = "Pod", Name = "continuity-pod", Namespace = "default", Uid = "continuity-pod-uid" },
        Reason = "ContinuityTest",
        Message = "msg-" + n.ToString(CultureInfo.InvariantCulture),
        Type = "Normal",
        Count = 1,
        Source = new EventSource { Component = "e2e" },
        FirstTimestamp = DateTimeOffset.UtcNow,
        LastTimestamp = DateTimeOffset.UtcNow,
    };

    /// <summary>Every "msg-N" line the intake received, in order, duplicates kept.</summary>
    private static List<string> Delivered(TestIntake intake) =>
        [.. intake.Requests.Where(r => r.Path == "/api/v1/events")
            .SelectMany(r => Line().Matches(JsonDocument.Parse(r.Body).RootElement.GetProperty("text").GetString()!).Select(m => m.Groups[1].Value))];

    private static Task WaitForDeliveriesAsync(TestIntake intake, int count) =>
        Wait.UntilAsync(() => Delivered(intake).Count >= count, $"{count} events at the intake", TimeSpan.FromSeconds(30));
}
