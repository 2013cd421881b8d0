using System.Buffers;
using System.Text.Json;
using Dca.Api;
using Dca.Telemetry;

namespace Dca.ExternalMetrics;

/// <summary>
/// <c>external.metrics.k8s.io/v1beta1</c> as an aggregated API server serves it (PROTOCOL.md §8): discovery
/// (<c>/apis</c>, <c>/apis/external.metrics.k8s.io</c>, the version's resource list) and
/// <c>GET /apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric}?labelSelector=...</c> →
/// <c>ExternalMetricValueList</c>. Every request is authenticated by <see cref="FrontProxyAuthenticator"/>; errors are
/// Kubernetes <c>Status</c> objects (401 refused, 400 bad selector, 404 unknown metric, 500 stale or failing backend).
/// </summary>
internal sealed class ExternalMetricsApi(FrontProxyAuthenticator authenticator, IMetricsBackend backend, MetricsRegistry metrics,
    Leader.LeadershipHolder leadership, LeaderValueClient leader, DatadogMetricController? datadogMetrics = null,
    DelegatedAuthenticator? tokens = null)
{
    /// <summary>The command-port route a follower asks the leader's values on (token-authenticated, forwarded to the leader).</summary>
    public const string LeaderValueRoute = "/api/v1/externalmetrics/{ns}/{metric}";

    public const string Group = "external.metrics.k8s.io";
    public const string Version = "v1beta1";
    public const string GroupVersion = Group + "/" + Version;

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/apis", Authenticated("em_discovery", ctx => Write(ctx, 200, GroupList)));
        endpoints.MapGet("/apis/" + Group, Authenticated("em_discovery", ctx => Write(ctx, 200, GroupBody)));
        endpoints.MapGet("/apis/" + GroupVersion, Authenticated("em_discovery", ResourceList));
        endpoints.MapGet("/apis/" + GroupVersion + "/namespaces/{ns}/{metric}", Authenticated("em_value", ctx =>
            // DatadogMetrics are answered from their status on every replica; the pushed series and the Datadog
            // backend's values live on the leader: a follower relays the question to it.
            !backend.LeaderOnly || leadership.Current.IsLeader || IsDatadogMetric(ApiEndpoint.Value(ctx, "metric"))
                ? Value(ctx) : leader.RelayAsync(ctx, ApiEndpoint.Value(ctx, "ns"), ApiEndpoint.Value(ctx, "metric"))));
    }

    private bool IsDatadogMetric(string metric) => datadogMetrics is not null && metric.StartsWith(DatadogMetricController.Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The leader's answer on the command port (<see cref="LeaderValueRoute"/>).</summary>
    public Task LeaderValue(HttpContext ctx) => Value(ctx);

    private RequestDelegate Authenticated(string name, RequestDelegate handler) => ApiEndpoint.Wrap(async ctx =>
    {
        var (user, _, refusal) = authenticator.Authenticate(ctx);
        if (user is null && tokens is not null && BearerToken(ctx) is { } token)
        {
            // Not the front proxy: a bearer token, reviewed by the API server, then the request authorized by it.
            (user, var groups, refusal) = await tokens.AuthenticateAsync(token, ctx.RequestAborted);
            if (user is not null)
            {
                var value = ctx.Request.RouteValues.ContainsKey("metric");
                var (allowed, reason) = await tokens.AuthorizeAsync(user, groups, value ? ApiEndpoint.Value(ctx, "ns") : null,
                    value ? ApiEndpoint.Value(ctx, "metric") : null, ctx.Request.Path.Value ?? "/", ctx.RequestAborted);
                if (!allowed)
                {
                    await Status(ctx, 403, "Forbidden", reason);
                    return;
                }
            }
        }
        await (user is null ? Status(ctx, 401, "Unauthorized", refusal!) : handler(ctx));
    }, metrics.Route(name), null);

    private static string? BearerToken(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header[7..].Trim() is { Length: > 0 } token ? token : null;
    }

    private static void GroupEntry(Utf8JsonWriter w)
    {
        w.WriteString("name", Group);
        w.WriteStartArray("versions");
        w.WriteStartObject();
        w.WriteString("groupVersion", GroupVersion);
        w.WriteString("version", Version);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("preferredVersion");
        w.WriteString("groupVersion", GroupVersion);
        w.WriteString("version", Version);
        w.WriteEndObject();
    }

    private static readonly byte[] GroupList = Json(w =>
    {
        w.WriteString("kind", "APIGroupList");
        w.WriteString("apiVersion", "v1");
        w.WriteStartArray("groups");
        w.WriteStartObject();
        GroupEntry(w);
        w.WriteEndObject();
        w.WriteEndArray();
    });

    private static readonly byte[] GroupBody = Json(w =>
    {
        w.WriteString("kind", "APIGroup");
        w.WriteString("apiVersion", "v1");
        GroupEntry(w);
    });

    /// <summary>One resource per known metric, as the custom-metrics apiserver lists them.</summary>
    private Task ResourceList(HttpContext ctx) => Write(ctx, 200, Json(w =>
    {
        w.WriteString("kind", "APIResourceList");
        w.WriteString("apiVersion", "v1");
        w.WriteString("groupVersion", GroupVersion);
        w.WriteStartArray("resources");
        foreach (var name in datadogMetrics is null ? backend.MetricNames() : backend.MetricNames().Concat(datadogMetrics.MetricNames()))
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("singularName", "");
            w.WriteBoolean("namespaced", true);
            w.WriteString("kind", "ExternalMetricValueList");
            w.WriteStartArray("verbs");
            w.WriteStringValue("get");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }));

    private async Task Value(HttpContext ctx)
    {
        var metric = ApiEndpoint.Value(ctx, "metric");
        MetricSelector selector;
        try
        {
            selector = MetricSelector.Parse(ctx.Request.Query["labelSelector"]);
        }
        catch (FormatException e)
        {
            await Status(ctx, 400, "BadRequest", e.Message);
            return;
        }
        var answer = IsDatadogMetric(metric) ? datadogMetrics!.Answer(metric) : await backend.QueryAsync(metric, selector, ctx.RequestAborted);
        if (answer.Result is not { } value)
        {
            await (answer.IsInvalid ? Status(ctx, 400, "BadRequest", $"unable to get external metric {ApiEndpoint.Value(ctx, "ns")}/{metric}: {answer.Error}")
                : answer.IsStale
                ? Status(ctx, 500, "InternalError", $"unable to get external metric {ApiEndpoint.Value(ctx, "ns")}/{metric}: {answer.Error}")
                : Status(ctx, 404, "NotFound", $"the external metric {metric} is not known: {answer.Error}"));
            return;
        }
        await Write(ctx, 200, Json(w =>
        {
            w.WriteString("kind", "ExternalMetricValueList");
            w.WriteString("apiVersion", GroupVersion);
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteStartArray("items");
            w.WriteStartObject();
            w.WriteString("metricName", metric);
            w.WriteStartObject("metricLabels");
            foreach (var (key, op, values) in selector.Requirements)
            {
                if (op == "=")
                {
                    w.WriteString(key, values[0]);
                }
            }
            w.WriteEndObject();
            w.WriteString("timestamp", answer.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("value", KubeQuantity.Format(value));
            w.WriteEndObject();
            w.WriteEndArray();
        }));
    }

    private static readonly byte[] s_accepted = "{\"errors\":[]}"u8.ToArray();

    /// <summary>
    /// <c>POST /api/v2/series</c> on the command port (the leader's; followers forward): node agents push the series
    /// they collect, in Datadog's intake format. 202 <c>{"errors":[]}</c> as Datadog's intake answers, 400 with the reason,
    /// 413 past <see cref="SeriesIntake.MaxBody"/> on the wire or once decompressed.
    /// </summary>
    /// <summary>
    /// Series payloads read at once. Each may buffer up to <see cref="SeriesIntake.MaxBody"/>, so this bounds the intake's
    /// memory at 8 × 16 MiB whatever the number of connections; node agents push a few KB every 15 s, so a busy
    /// intake answers 503 with <c>Retry-After</c> and the agent's next push carries the newer values anyway.
    /// </summary>
    public const int MaxConcurrentPayloads = 8;

    public static async Task ReceiveSeries(HttpContext ctx, AgentSeriesStore store)
    {
        if (!store.TryBeginPayload(MaxConcurrentPayloads))
        {
            ctx.Response.Headers.RetryAfter = "5";
            await ApiEndpoint.WriteError(ctx, StatusCodes.Status503ServiceUnavailable,
                $"{MaxConcurrentPayloads} series payloads are being read; retry after 5 s");
            return;
        }
        try
        {
            await ReceiveSeriesAsync(ctx, store);
        }
        finally
        {
            store.EndPayload();
        }
    }

    private static async Task ReceiveSeriesAsync(HttpContext ctx, AgentSeriesStore store)
    {
        // Refused on its announced length before a byte is read; a body without one (chunked) is cut by Kestrel at the
        // same size (BadHttpRequestException, answered 413 by ApiEndpoint), not at the server-wide 30 MB.
        if (ctx.Request.ContentLength > SeriesIntake.MaxBody)
        {
            await ApiEndpoint.WriteError(ctx, StatusCodes.Status413PayloadTooLarge, $"a series payload is at most {SeriesIntake.MaxBody >> 20} MiB");
            return;
        }
        if (ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = SeriesIntake.MaxBody;
        }
        try
        {
            await SeriesIntake.ReadAsync(ctx.Request.Body, ctx.Request.Headers.ContentEncoding.ToString(), store, ctx.RequestAborted);
        }
        catch (PayloadTooLargeException e)
        {
            await ApiEndpoint.WriteError(ctx, StatusCodes.Status413PayloadTooLarge, e.Message);
            return;
        }
        catch (FormatException e)
        {
            await ApiEndpoint.WriteError(ctx, StatusCodes.Status400BadRequest, e.Message);
            return;
        }
        store.PruneIfDue();
        await ApiEndpoint.WriteJson(ctx, s_accepted, StatusCodes.Status202Accepted);
    }

    /// <summary>A Kubernetes <c>Status</c> failure, as kube-apiserver and the aggregator expect it.</summary>
    public static Task Status(HttpContext ctx, int code, string reason, string message) => Write(ctx, code, Json(w =>
    {
        w.WriteString("kind", "Status");
        w.WriteString("apiVersion", "v1");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteString("status", "Failure");
        w.WriteString("message", message);
        w.WriteString("reason", reason);
        w.WriteNumber("code", code);
    }));

    private static Task Write(HttpContext ctx, int code, byte[] body) => ApiEndpoint.WriteJson(ctx, body, code);

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
