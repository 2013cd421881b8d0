using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dca.Sim.Faults;
using Dca.Sim.Scenarios;
using Dca.Sim.Store;

namespace Dca.Sim.Api;

/// <summary>
/// The simulator's own endpoints under <c>/sim/</c> (same bearer tokens): <c>GET state</c>,
/// <c>GET|POST|PUT faults</c>, <c>GET|POST activity</c> (churn and event rates), <c>POST compact</c>,
/// <c>POST restart</c> (<c>{"downSeconds":N}</c>: watch state lost, resource requests refused N s, default 2),
/// <c>GET audit</c>, <c>DELETE audit</c>.
/// </summary>
internal sealed class AdminEndpoints(ApiContext api)
{
    public async Task HandleAsync(HttpContext ctx, string path)
    {
        switch (ctx.Request.Method, path)
        {
            case ("GET", "/sim/state"):
                await DiscoveryDocuments.WriteJsonAsync(ctx, WriteState);
                break;
            case ("GET", "/sim/faults"):
                await DiscoveryDocuments.WriteJsonAsync(ctx, w => WriteFaults(w, api.Faults.Settings));
                break;
            case ("POST" or "PUT", "/sim/faults"):
                var patch = await ReadObjectAsync(ctx, "faults");
                api.Faults.Settings = ApplyFaults(ctx.Request.Method == "PUT" ? FaultSettings.None : api.Faults.Settings, patch);
                await DiscoveryDocuments.WriteJsonAsync(ctx, w => WriteFaults(w, api.Faults.Settings));
                break;
            case ("GET", "/sim/activity"):
                await DiscoveryDocuments.WriteJsonAsync(ctx, WriteActivity);
                break;
            case ("POST" or "PUT", "/sim/activity"):
                ApplyActivity(api.Activity, await ReadObjectAsync(ctx, "activity"));
                await DiscoveryDocuments.WriteJsonAsync(ctx, WriteActivity);
                break;
            case ("POST", "/sim/compact"):
                api.Store.Compact();
                await DiscoveryDocuments.WriteJsonAsync(ctx, WriteState);
                break;
            case ("POST", "/sim/restart"):
                // A restart of the API server: watch state lost (history compacted, every watch closed, so a resuming
                // client gets 410 Expired and must relist), and resource requests refused while it starts.
                var restart = ctx.Request.ContentLength is > 0 ? await ReadObjectAsync(ctx, "restart") : [];
                var down = restart["downSeconds"] is { } d ? Whole("downSeconds", d) : 2;
                api.Faults.Down(TimeSpan.FromSeconds(down));
                api.Store.Compact();
                api.Store.CloseWatches();
                await DiscoveryDocuments.WriteJsonAsync(ctx, WriteState);
                break;
            case ("GET", "/sim/audit"):
                await DiscoveryDocuments.WriteJsonAsync(ctx, WriteAudit);
                break;
            case ("DELETE", "/sim/audit"):
                api.Audit.Clear();
                await DiscoveryDocuments.WriteJsonAsync(ctx, WriteAudit);
                break;
            default:
                throw new StatusException(404, "NotFound", "the server could not find the requested resource");
        }
    }

    /// <summary>Reads the JSON fault switches (camelCase names, each optional) over <paramref name="current"/>.</summary>
    public static FaultSettings ApplyFaults(FaultSettings current, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            current = key switch
            {
                "errorRate" => current with { ErrorRate = Rate(key, value) },
                "throttleRate" => current with { ThrottleRate = Rate(key, value) },
                "retryAfterSeconds" => current with { RetryAfterSeconds = Whole(key, value) },
                "watchDropSeconds" => current with { WatchDropSeconds = Whole(key, value) },
                "watchStall" => current with { WatchStall = value?.GetValueKind() == JsonValueKind.True },
                "latencyMs" => current with { LatencyMilliseconds = Whole(key, value) },
                "partitionUserAgent" => current with { PartitionUserAgent = value is JsonValue v && v.TryGetValue<string>(out var ua) ? ua : null },
                "kubeletStatus" => current with { KubeletStatus = HttpStatus(key, value) },
                "kubeletStall" => current with { KubeletStall = value?.GetValueKind() == JsonValueKind.True },
                "kubeletMalformed" => current with { KubeletMalformed = value?.GetValueKind() == JsonValueKind.True },
                _ => throw StatusException.BadRequest($"unknown fault \"{key}\""),
            };
        }
        return current;
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext ctx, string what)
    {
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        return JsonNode.Parse(buffer.ToArray()) as JsonObject ?? throw StatusException.BadRequest(what + " must be a JSON object");
    }

    /// <summary>Sets the rates named in <paramref name="patch"/> (<c>churnPerSecond</c>, <c>eventsPerSecond</c>), all checked before any is set.</summary>
    public static void ApplyActivity(ActivityRates rates, JsonObject patch)
    {
        double? churn = null, events = null;
        foreach (var (key, value) in patch)
        {
            var rate = value is JsonValue v && v.TryGetValue<double>(out var d) && d is >= 0 and <= 100_000
                ? d
                : throw StatusException.BadRequest($"{key} must be a number of changes per second between 0 and 100000");
            _ = key switch
            {
                "churnPerSecond" => churn = rate,
                "eventsPerSecond" => events = rate,
                _ => throw StatusException.BadRequest($"unknown activity \"{key}\" (churnPerSecond, eventsPerSecond)"),
            };
        }
        rates.ChurnPerSecond = churn ?? rates.ChurnPerSecond;
        rates.EventsPerSecond = events ?? rates.EventsPerSecond;
    }

    private void WriteActivity(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("churnPerSecond", api.Activity.ChurnPerSecond);
        w.WriteNumber("eventsPerSecond", api.Activity.EventsPerSecond);
        if (api.ScenarioState?.Invoke() is { } scenario)
        {
            foreach (var key in (string[])["churnSteps", "eventsEmitted"])
            {
                if (scenario.TryGetValue(key, out var value))
                {
                    w.WriteNumber(key, value);
                }
            }
        }
        w.WriteEndObject();
    }

    private static double Rate(string key, JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<double>(out var d) && d is >= 0 and <= 1
            ? d
            : throw StatusException.BadRequest($"{key} must be a number between 0 and 1");

    private static int HttpStatus(string key, JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<int>(out var n) && (n == 0 || n is >= 400 and <= 599)
            ? n
            : throw StatusException.BadRequest($"{key} must be 0 (off) or an HTTP error status (400-599)");

    private static int Whole(string key, JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<int>(out var n) && n >= 0
            ? n
            : throw StatusException.BadRequest($"{key} must be a non-negative integer");

    public static void WriteFaults(Utf8JsonWriter w, FaultSettings f)
    {
        w.WriteStartObject();
        w.WriteNumber("errorRate", f.ErrorRate);
        w.WriteNumber("throttleRate", f.ThrottleRate);
        w.WriteNumber("retryAfterSeconds", f.RetryAfterSeconds);
        w.WriteNumber("watchDropSeconds", f.WatchDropSeconds);
        w.WriteBoolean("watchStall", f.WatchStall);
        w.WriteNumber("latencyMs", f.LatencyMilliseconds);
        w.WriteString("partitionUserAgent", f.PartitionUserAgent);
        w.WriteNumber("kubeletStatus", f.KubeletStatus);
        w.WriteBoolean("kubeletStall", f.KubeletStall);
        w.WriteBoolean("kubeletMalformed", f.KubeletMalformed);
        w.WriteEndObject();
    }

    private void WriteState(Utf8JsonWriter w)
    {
        var store = api.Store;
        w.WriteStartObject();
        w.WriteString("resourceVersion", store.ResourceVersion.ToString(CultureInfo.InvariantCulture));
        w.WriteString("compactedResourceVersion", store.CompactedResourceVersion.ToString(CultureInfo.InvariantCulture));
        w.WriteNumber("historyCapacity", store.HistoryCapacity);
        w.WriteStartObject("counts");
        foreach (var t in store.Types)
        {
            w.WriteNumber(t.GroupResource, store.Count(t));
        }
        w.WriteEndObject();
        w.WriteStartObject("watches");
        foreach (var t in store.Types)
        {
            w.WriteNumber(t.GroupResource, store.WatcherCount(t));
        }
        w.WriteEndObject();
        w.WritePropertyName("faults");
        WriteFaults(w, api.Faults.Settings);
        w.WriteNumber("injectedErrors", api.Faults.InjectedErrors);
        w.WriteNumber("injectedThrottles", api.Faults.InjectedThrottles);
        var gc = GC.GetGCMemoryInfo();
        w.WriteStartObject("memory");
        w.WriteNumber("managedHeapBytes", GC.GetTotalMemory(forceFullCollection: false));
        w.WriteNumber("gcHeapSizeBytes", gc.HeapSizeBytes);
        w.WriteNumber("gcCommittedBytes", gc.TotalCommittedBytes);
        w.WriteNumber("workingSetBytes", Environment.WorkingSet);
        w.WriteEndObject();
        if (api.ScenarioState?.Invoke() is { } scenario)
        {
            w.WriteStartObject("scenario");
            foreach (var (key, value) in scenario)
            {
                w.WriteNumber(key, value);
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private void WriteAudit(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartArray("entries");
        foreach (var e in api.Audit.Snapshot())
        {
            w.WriteStartObject();
            w.WriteString("identity", e.Identity);
            w.WriteString("userAgent", e.UserAgent);
            w.WriteString("verb", e.Verb);
            w.WriteString("group", e.Group);
            w.WriteString("resource", e.Resource);
            w.WriteString("namespace", e.Namespace);
            w.WriteString("name", e.Name);
            w.WriteNumber("count", e.Count);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
