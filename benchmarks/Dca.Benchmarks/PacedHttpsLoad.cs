using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Dca.Benchmarks;

/// <summary>
/// <c>paced-https URL-TEMPLATE CERT KEY CLIENTS PERIOD-SECONDS RUN-SECONDS</c>: CLIENTS clients (HPAs) each GET their own
/// path every PERIOD seconds, spread evenly, over HTTP/2 with a client certificate and <c>X-Remote-User</c>, as the
/// API server's aggregator calls an external metrics provider. <c>{i}</c> in the template is the client's number. Latency
/// is measured from each request's scheduled time (no coordinated omission); prints the distribution and the failures.
/// </summary>
internal static class PacedHttpsLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not [var template, var certPath, var keyPath, var clientsText, var periodText, var runText])
        {
            Console.Error.WriteLine("usage: paced-https URL-TEMPLATE CERT.pem KEY.pem CLIENTS PERIOD-SECONDS RUN-SECONDS");
            return 2;
        }
        var clients = int.Parse(clientsText, CultureInfo.InvariantCulture);
        var period = TimeSpan.FromSeconds(double.Parse(periodText, CultureInfo.InvariantCulture));
        var run = TimeSpan.FromSeconds(double.Parse(runText, CultureInfo.InvariantCulture));
        using var certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        using var client = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        handler.SslOptions.ClientCertificates = [client];
        handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => client;
        using var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var uris = Enumerable.Range(0, clients).Select(i => new Uri(template.Replace("{i}", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))).ToArray();

        // Warm the connection (TLS handshake) before the clock starts.
        using (var warm = await Send(http, uris[0]))
        {
            Console.WriteLine($"first answer: {(int)warm.StatusCode} {await warm.Content.ReadAsStringAsync()}");
        }
        var latencies = new List<double>();
        var service = new List<double>();
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        var gate = new Lock();
        var inFlight = new List<Task>();
        var interval = period / clients;
        // A warm-up at the same rate (connections, JIT, pools) is not counted.
        var warmUp = TimeSpan.FromSeconds(Math.Min(10, run.TotalSeconds / 5));
        var clock = Stopwatch.StartNew();
        async Task One(Uri uri, TimeSpan due, bool counted)
        {
            var sent = clock.Elapsed;
            string? failure = null;
            try
            {
                using var response = await Send(http, uri);
                await response.Content.ReadAsByteArrayAsync();
                failure = response.IsSuccessStatusCode ? null : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException e)
            {
                failure = e.Message;
            }
            var done = clock.Elapsed;
            lock (gate)
            {
                if (counted)
                {
                    latencies.Add((done - due).TotalMilliseconds);
                    service.Add((done - sent).TotalMilliseconds);
                }
                if (failure is not null)
                {
                    failures[failure] = failures.GetValueOrDefault(failure) + 1;
                }
            }
        }
        // The pacer is a thread of its own: sleeping to within 1.5 ms of the next send, then yielding, so the
        // schedule does not drift with timer granularity.
        var pacer = new Thread(() =>
        {
            for (long n = 0; ; n++)
            {
                var due = interval * n;
                if (due >= warmUp + run)
                {
                    break;
                }
                while (clock.Elapsed < due)
                {
                    if (due - clock.Elapsed > TimeSpan.FromMilliseconds(1.5))
                    {
#pragma warning disable RS0030 // The pacer's own thread blocks on purpose: a timer-driven await would drift by the timer's granularity.
                        Thread.Sleep(1);
#pragma warning restore RS0030
                    }
                    else
                    {
                        // Close to the send: give the cores to the others rather than spin on them.
                        Thread.Yield();
                    }
                }
                var task = One(uris[n % clients], due, due >= warmUp);
                lock (gate)
                {
                    inFlight.Add(task);
                }
            }
        }) { IsBackground = true, Priority = ThreadPriority.AboveNormal };
        pacer.Start();
        pacer.Join();
        Task[] all;
        lock (gate)
        {
            all = [.. inFlight];
        }
        await Task.WhenAll(all);
        latencies.Sort();
        service.Sort();
        static string Distribution(List<double> sorted)
        {
            double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * q))];
            return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.5):0.00} ms, p90 {At(0.9):0.00} ms, p99 {At(0.99):0.00} ms, p99.9 {At(0.999):0.00} ms, max {sorted[^1]:0.00} ms");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{latencies.Count} requests in {run.TotalSeconds:0} s after a {warmUp.TotalSeconds:0} s warm-up ({latencies.Count / run.TotalSeconds:0.0}/s: {clients} clients every {period.TotalSeconds:0.#} s)"));
        Console.WriteLine("  from the scheduled time: " + Distribution(latencies));
        Console.WriteLine("  from the send:           " + Distribution(service));
        Console.WriteLine(failures.Count == 0 ? "failures: none" : "failures: " + string.Join(", ", failures.Select(f => $"{f.Key} x{f.Value}")));
        return failures.Count == 0 ? 0 : 1;
    }

    private static Task<HttpResponseMessage> Send(HttpClient http, Uri uri)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Add("X-Remote-User", "system:serviceaccount:kube-system:horizontal-pod-autoscaler");
        return http.SendAsync(request);
    }
}
