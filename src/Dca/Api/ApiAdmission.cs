using System.Globalization;
using Dca.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Dca.Api;

/// <summary>
/// Load shedding for one HTTPS port: a connection limit (checked before the TLS handshake; past 90 % of it each
/// request is answered 503), a limit on requests in flight (503) and a request rate per connection (429), all
/// answered with <c>Retry-After</c>. Nothing queues: a refusal costs less than the answer it replaces, and memory
/// stays bounded by the connection limit. An admitted request allocates nothing here.
/// </summary>
internal sealed partial class ApiAdmission
{
    private static readonly object s_budgetKey = new();

    private readonly AdmissionSettings _settings;
    private readonly string _port;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _interval;
    private readonly long _tolerance;
    private long _open;
    private long _inFlight;
    private long _rejectedConnections;
    private long _shedInFlight;
    private long _shedRate;
    private long _lastWarning = long.MinValue;
    private long _peak;
    private long _shedConnections;
    private readonly long _softConnections;

    public ApiAdmission(AdmissionSettings settings, string port, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _port = port;
        _time = time;
        _logger = logger;
        Handshakes = new HandshakeGate(settings.MaxConcurrentHandshakes, HandshakeGate.MaxWait, HandshakeGate.SlotLease, time);
        // Past 90 % of the connection limit each request is answered 503 (see Requests);
        // a limit under 10 has no such margin.
        _softConnections = settings.MaxConnections >= 10 ? settings.MaxConnections - (settings.MaxConnections / 10) : settings.MaxConnections;
        if (settings.RequestsPerConnectionPerSecond > 0)
        {
            // GCRA: one request every _interval timestamp ticks, up to a burst of twice the per-second rate.
            _interval = Math.Max(1, (long)(time.TimestampFrequency / settings.RequestsPerConnectionPerSecond));
            _tolerance = _interval * Math.Max(1, (long)Math.Ceiling(2 * settings.RequestsPerConnectionPerSecond));
        }
    }

    public long OpenConnections => Interlocked.Read(ref _open);

    /// <summary>The port's bound on TLS handshakes in progress.</summary>
    public HandshakeGate Handshakes { get; }

    /// <summary>Connections admitted since start (each one a TLS handshake).</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    private long _accepted;

    public long InFlight => Interlocked.Read(ref _inFlight);

    public long RejectedConnections => Interlocked.Read(ref _rejectedConnections);

    public long ShedInFlight => Interlocked.Read(ref _shedInFlight);

    public long ShedRate => Interlocked.Read(ref _shedRate);

    /// <summary>Connection middleware: put it before <c>UseHttps</c> so a refused connection costs no handshake.</summary>
    public ConnectionDelegate Connections(ConnectionDelegate next) => async connection =>
    {
        var open = Interlocked.Increment(ref _open);
        if (open > _settings.MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            var rejected = Interlocked.Increment(ref _rejectedConnections);
            Warn(static (l, s, n) => Log.ConnectionsRefused(l, s._port, s._settings.MaxConnections, n), rejected);
            connection.Abort(new ConnectionAbortedException("connection limit reached"));
            return;
        }
        Interlocked.Increment(ref _accepted);
        for (var peak = Interlocked.Read(ref _peak); open > peak; peak = Interlocked.Read(ref _peak))
        {
            if (Interlocked.CompareExchange(ref _peak, open, peak) == peak)
            {
                break;
            }
        }
        try
        {
            if (_interval > 0)
            {
                connection.Items[s_budgetKey] = new ConnectionBudget();
            }
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    };

    /// <summary>Request middleware, first in the port's pipeline.</summary>
    public RequestDelegate Requests(RequestDelegate next) => context =>
    {
        if (_interval > 0 && !TakeFromBudget(context, out var wait))
        {
            var shed = Interlocked.Increment(ref _shedRate);
            Warn(static (l, s, n) => Log.RateShed(l, s._port, s._settings.RequestsPerConnectionPerSecond, n), shed);
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            return Refuse(context, StatusCodes.Status429TooManyRequests, seconds,
                $"too many requests on this connection (at most {_settings.RequestsPerConnectionPerSecond.ToString(CultureInfo.InvariantCulture)} per second); retry after {seconds} s");
        }
        if (Interlocked.Read(ref _open) > _softConnections)
        {
            // Nearly full: tell this client when to come back (jittered) rather than let the next ones be cut off
            // with no answer at the hard limit. The connection stays open: closing it made clients that ignore
            // Retry-After reconnect at once, and a TLS handshake costs far more than this answer (the overload run:
            // twice the CPU, /live failing). A client that waits leaves it idle, and the idle timeout closes it.
            var shed = Interlocked.Increment(ref _shedConnections);
            Warn(static (l, s, n) => Log.ConnectionsShed(l, s._port, s._softConnections, n), shed);
            var seconds = JitteredRetryAfter();
            return Refuse(context, StatusCodes.Status503ServiceUnavailable, seconds,
                $"the cluster agent has {_softConnections} connections open; retry after {seconds} s");
        }
        if (Interlocked.Increment(ref _inFlight) > _settings.MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            var shed = Interlocked.Increment(ref _shedInFlight);
            Warn(static (l, s, n) => Log.InFlightShed(l, s._port, s._settings.MaxInFlight, n), shed);
            var seconds = JitteredRetryAfter();
            return Refuse(context, StatusCodes.Status503ServiceUnavailable, seconds,
                $"the cluster agent is overloaded ({_settings.MaxInFlight} requests in flight); retry after {seconds} s");
        }
        Task handled;
        try
        {
            handled = next(context);
        }
        catch
        {
            Interlocked.Decrement(ref _inFlight);
            throw;
        }
        if (handled.IsCompletedSuccessfully)
        {
            Interlocked.Decrement(ref _inFlight);
            return Task.CompletedTask;
        }
        return Finish(handled);
    };

    private async Task Finish(Task handled)
    {
        try
        {
            await handled;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>
    /// The most connections open at once since the last call, which restarts the count from those open now: lets
    /// <see cref="ServerLimits"/> see that a storm of connections has passed.
    /// </summary>
    public long TakePeakConnections() => Interlocked.Exchange(ref _peak, Interlocked.Read(ref _open));

    /// <summary>Writes the Prometheus families of this port.</summary>
    public void Collect(MetricsWriter writer)
    {
        var port = $"port=\"{_port}\"";
        writer.Gauge("dca_api_open_connections", "Open connections per HTTPS port.", OpenConnections, port);
        writer.Gauge("dca_api_inflight_requests", "Requests being handled per HTTPS port.", InFlight, port);
        writer.Counter("dca_api_handshakes_ungated_total", "TLS handshakes that waited 1 s for one of the DCA_MAX_CONCURRENT_HANDSHAKES slots and started without one.", Handshakes.WaitedOut, port);
        writer.Counter("dca_api_refused_connections_total", "Connections closed at once because the port had DCA_MAX_CONNECTIONS open.", RejectedConnections, port);
        writer.Counter("dca_api_shed_requests_total", "Requests refused to shed load: 503 (inflight) or 429 (connection_rate), with Retry-After.",
            ShedInFlight, port + ",reason=\"inflight\"");
        writer.Counter("dca_api_shed_requests_total", "", ShedRate, port + ",reason=\"connection_rate\"");
        writer.Counter("dca_api_shed_requests_total", "", Interlocked.Read(ref _shedConnections), port + ",reason=\"connections\"");
    }

    /// <summary>GCRA on the connection's theoretical arrival time: lock-free, one long per connection.</summary>
    private bool TakeFromBudget(HttpContext context, out TimeSpan wait)
    {
        wait = default;
        if (context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(s_budgetKey, out var item) != true || item is not ConnectionBudget budget)
        {
            return true;
        }
        var now = _time.GetTimestamp();
        while (true)
        {
            var tat = Volatile.Read(ref budget.TheoreticalArrival);
            var next = Math.Max(tat, now) + _interval;
            if (next - now > _tolerance)
            {
                wait = TimeSpan.FromSeconds((double)(next - now - _tolerance) / _time.TimestampFrequency);
                return false;
            }
            if (Interlocked.CompareExchange(ref budget.TheoreticalArrival, next, tat) == tat)
            {
                return true;
            }
        }
    }

    /// <summary>The 503's Retry-After: the configured seconds plus a random 0-100 %, so refused clients come back spread out.</summary>
    private int JitteredRetryAfter() => (int)Math.Ceiling(_settings.RetryAfter.TotalSeconds * (1 + Random.Shared.NextDouble()));

    private static Task Refuse(HttpContext context, int status, int retryAfterSeconds, string reason)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(reason + "\n", context.RequestAborted);
    }

    /// <summary>At most one shedding warning per port every 10 s (each carries its count so far): shedding must not flood the logs it is saving.</summary>
    private void Warn(Action<ILogger, ApiAdmission, long> log, long count)
    {
        var now = _time.GetTimestamp();
        var last = Volatile.Read(ref _lastWarning);
        if (last != long.MinValue && now - last < _time.TimestampFrequency * 10)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
        {
            log(_logger, this, count);
        }
    }

    private sealed class ConnectionBudget
    {
        public long TheoreticalArrival;
    }

    private static partial class Log
    {
        [LoggerMessage(1200, LogLevel.Warning, "Port {Port}: {Limit} connections open (DCA_MAX_CONNECTIONS); new connections are closed at once ({Refused} so far)")]
        public static partial void ConnectionsRefused(ILogger logger, string port, int limit, long refused);

        [LoggerMessage(1203, LogLevel.Warning, "Port {Port}: more than {Soft} connections open (90 % of DCA_MAX_CONNECTIONS); answering 503 with Retry-After ({Shed} so far)")]
        public static partial void ConnectionsShed(ILogger logger, string port, long soft, long shed);

        [LoggerMessage(1201, LogLevel.Warning, "Port {Port}: {Limit} requests in flight (DCA_MAX_INFLIGHT_REQUESTS); answering 503 with Retry-After ({Shed} so far)")]
        public static partial void InFlightShed(ILogger logger, string port, int limit, long shed);

        [LoggerMessage(1202, LogLevel.Warning, "Port {Port}: a connection asked more than {Rate} requests per second (DCA_MAX_REQUESTS_PER_CONNECTION); answering 429 with Retry-After ({Shed} so far)")]
        public static partial void RateShed(ILogger logger, string port, double rate, long shed);
    }
}
