using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Dca.Benchmarks;

/// <summary>
/// Creates many objects in a running simulator fast (loadtests/pathological.sh): POSTs over a few HTTP/1.1
/// keep-alive connections, each worker sending its objects in order. The simulator does not run an
/// EndpointSlice controller, so every Service gets its EndpointSlice here, with endpoints that target the
/// service's pods by name and node, as the controller would write them.
/// <code>
/// sim-objects pods-on-node NODE NAMESPACE SERVICES PODS_PER_SERVICE   (Pods, Services and their slices on one node)
/// sim-objects services COUNT NAMESPACES NODES                        (NODES Nodes, then COUNT Services over NAMESPACES
///                                                                       namespaces, each with a one-endpoint slice; pod i on node i % NODES)
/// </code>
/// The API comes from SIM_URL and SIM_TOKEN; SIM_CONNECTIONS (default 8) sets the parallelism.
/// Prints one line: objects created, seconds, objects per second, the last service created.
/// </summary>
internal static class SimObjectLoader
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = Environment.GetEnvironmentVariable("SIM_URL") ?? throw new InvalidOperationException("SIM_URL is required");
        var token = Environment.GetEnvironmentVariable("SIM_TOKEN") ?? throw new InvalidOperationException("SIM_TOKEN is required");
        var connections = int.TryParse(Environment.GetEnvironmentVariable("SIM_CONNECTIONS"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var c) ? c : 8;
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            // Loopback to the simulator's self-signed API only.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        {
            BaseAddress = new Uri(url),
            DefaultRequestVersion = HttpVersion.Version11,
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var clock = Stopwatch.StartNew();
        long created = 0;
        string last;
        switch (args)
        {
            case ["pods-on-node", var node, var ns, var servicesText, var perServiceText]:
            {
                int services = int.Parse(servicesText, System.Globalization.CultureInfo.InvariantCulture), perService = int.Parse(perServiceText, System.Globalization.CultureInfo.InvariantCulture);
                await PostAsync(http, "/api/v1/namespaces", Namespace(ns), allowConflict: true);
                await Parallel.ForEachAsync(Enumerable.Range(0, services * perService), new ParallelOptions { MaxDegreeOfParallelism = connections }, async (i, ct) =>
                {
                    var service = $"crowd-{i / perService}";
                    await PostAsync(http, $"/api/v1/namespaces/{ns}/pods", Pod(ns, $"{service}-{i % perService}", service, node));
                    Interlocked.Increment(ref created);
                });
                await Parallel.ForEachAsync(Enumerable.Range(0, services), new ParallelOptions { MaxDegreeOfParallelism = connections }, async (s, ct) =>
                {
                    var service = $"crowd-{s}";
                    await PostAsync(http, $"/api/v1/namespaces/{ns}/services", Service(ns, service));
                    var pods = Enumerable.Range(0, perService).Select(j => ($"{service}-{j}", node)).ToList();
                    await PostAsync(http, $"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices", Slice(ns, service, pods));
                    Interlocked.Add(ref created, 2);
                });
                last = $"crowd-{services - 1}";
                break;
            }
            case ["services", var countText, var namespacesText, var nodesText]:
            {
                int count = int.Parse(countText, System.Globalization.CultureInfo.InvariantCulture), namespaces = int.Parse(namespacesText, System.Globalization.CultureInfo.InvariantCulture), nodes = int.Parse(nodesText, System.Globalization.CultureInfo.InvariantCulture);
                await Parallel.ForEachAsync(Enumerable.Range(0, nodes), new ParallelOptions { MaxDegreeOfParallelism = connections }, async (n, ct) =>
                {
                    await PostAsync(http, "/api/v1/nodes", Node($"patho-node-{n}"));
                    Interlocked.Increment(ref created);
                });
                for (var n = 0; n < namespaces; n++)
                {
                    await PostAsync(http, "/api/v1/namespaces", Namespace($"patho-{n}"), allowConflict: true);
                }
                // Created in index order per worker; the last index is posted last by its worker, but other
                // workers may still be busy: the caller waits for that one service and reports when it is visible.
                await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = connections }, async (i, ct) =>
                {
                    var ns = $"patho-{i % namespaces}";
                    var service = $"svc-{i}";
                    await PostAsync(http, $"/api/v1/namespaces/{ns}/services", Service(ns, service));
                    await PostAsync(http, $"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices", Slice(ns, service, [($"{service}-0", $"patho-node-{i % nodes}")]));
                    Interlocked.Add(ref created, 2);
                });
                last = $"svc-{count - 1}";
                break;
            }
            default:
                Console.Error.WriteLine("usage: sim-objects pods-on-node NODE NAMESPACE SERVICES PODS_PER_SERVICE | services COUNT NAMESPACES NODES");
                return 2;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"created {created} objects in {seconds:F1} s ({created / seconds:F0}/s) over {connections} connections; last service {last}"));
        return 0;
    }

    private static async Task PostAsync(HttpClient http, string path, byte[] body, bool allowConflict = false)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await http.PostAsync(path, content);
        if (!response.IsSuccessStatusCode && !(allowConflict && response.StatusCode == HttpStatusCode.Conflict))
        {
            throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static byte[] Namespace(string name) => Json(w =>
    {
        Head(w, "v1", "Namespace", name, null);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static byte[] Node(string name) => Json(w =>
    {
        Head(w, "v1", "Node", name, null);
        w.WriteStartObject("labels");
        w.WriteString("kubernetes.io/hostname", name);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static byte[] Pod(string ns, string name, string app, string node) => Json(w =>
    {
        Head(w, "v1", "Pod", name, ns);
        w.WriteStartObject("labels");
        w.WriteString("app", app);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("spec");
        w.WriteString("nodeName", node);
        w.WriteStartArray("containers");
        w.WriteStartObject();
        w.WriteString("name", "app");
        w.WriteString("image", "registry.k8s.io/pause:3.9");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("status");
        w.WriteString("phase", "Running");
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static byte[] Service(string ns, string name) => Json(w =>
    {
        Head(w, "v1", "Service", name, ns);
        w.WriteEndObject();
        w.WriteStartObject("spec");
        w.WriteStartObject("selector");
        w.WriteString("app", name);
        w.WriteEndObject();
        w.WriteStartArray("ports");
        w.WriteStartObject();
        w.WriteNumber("port", 80);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static byte[] Slice(string ns, string service, IEnumerable<(string Pod, string Node)> pods) => Json(w =>
    {
        Head(w, "discovery.k8s.io/v1", "EndpointSlice", service + "-abcde", ns);
        w.WriteStartObject("labels");
        w.WriteString("kubernetes.io/service-name", service);
        w.WriteString("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("addressType", "IPv4");
        w.WriteStartArray("endpoints");
        var i = 0;
        foreach (var (pod, node) in pods)
        {
            w.WriteStartObject();
            w.WriteStartArray("addresses");
            w.WriteStringValue($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}");
            w.WriteEndArray();
            w.WriteStartObject("conditions");
            w.WriteBoolean("ready", true);
            w.WriteEndObject();
            w.WriteString("nodeName", node);
            w.WriteStartObject("targetRef");
            w.WriteString("kind", "Pod");
            w.WriteString("namespace", ns);
            w.WriteString("name", pod);
            w.WriteEndObject();
            w.WriteEndObject();
            i++;
        }
        w.WriteEndArray();
        w.WriteStartArray("ports");
        w.WriteStartObject();
        w.WriteNumber("port", 8080);
        w.WriteString("protocol", "TCP");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>Starts the object and its metadata with the name (and namespace); the caller closes metadata.</summary>
    private static void Head(Utf8JsonWriter w, string apiVersion, string kind, string name, string? ns)
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", apiVersion);
        w.WriteString("kind", kind);
        w.WriteStartObject("metadata");
        w.WriteString("name", name);
        if (ns is not null)
        {
            w.WriteString("namespace", ns);
        }
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }
        return buffer.ToArray();
    }
}
