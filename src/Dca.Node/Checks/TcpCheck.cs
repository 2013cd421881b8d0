using System.Globalization;
using System.Net.Sockets;
using Dca.Protocol.Intake;

namespace Dca.Node.Checks;

/// <summary>
/// Datadog's <c>tcp_check</c>: connects to <c>host</c>:<c>port</c> within <c>timeout</c> seconds (default 10).
/// Service check <c>tcp.can_connect</c> and gauge <c>network.tcp.can_connect</c> (1 or 0), tagged
/// <c>instance:&lt;name&gt;</c>, <c>target_host:&lt;host&gt;</c>, <c>port:&lt;port&gt;</c> and the instance's tags; with
/// <c>collect_response_time: true</c> also <c>network.tcp.response_time</c> (seconds).
/// </summary>
public static class TcpCheck
{
    public const string Name = "tcp_check";

    public static async Task<CheckResult> RunAsync(CheckInstance instance, string hostName, TimeProvider time, CancellationToken cancellationToken)
    {
        var host = instance.RequiredString("host");
        var port = (int)instance.Number("port", double.NaN);
        if (port is <= 0 or > 65535)
        {
            throw new FormatException("'port' must be a number from 1 to 65535");
        }
        var name = instance.String("name") ?? $"{host}:{port}";
        var timeout = TimeSpan.FromSeconds(instance.Number("timeout", 10));
        string[] tags = [$"instance:{name}", $"target_host:{host}", $"port:{port.ToString(CultureInfo.InvariantCulture)}", .. instance.Tags];
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var started = time.GetTimestamp();
        string? failure = null;
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(host, port, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            failure = $"Timeout after {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s connecting to {host}:{port}";
        }
        catch (SocketException e)
        {
            failure = $"Cannot connect to {host}:{port}: {e.SocketErrorCode}";
        }
        var elapsed = time.GetElapsedTime(started).TotalSeconds;
        var samples = new List<MetricSample> { new("network.tcp.can_connect", MetricType.Gauge, failure is null ? 1 : 0, now, tags, hostName) };
        if (failure is null && instance.Bool("collect_response_time", false))
        {
            samples.Add(new MetricSample("network.tcp.response_time", MetricType.Gauge, elapsed, now, [.. tags, $"url:{host}:{port}"], hostName));
        }
        var check = new ServiceCheck
        {
            Check = "tcp.can_connect", HostName = hostName, Timestamp = now, Tags = tags,
            Status = failure is null ? ServiceCheck.Ok : ServiceCheck.Critical, Message = failure,
        };
        return new CheckResult([check], samples);
    }

}
