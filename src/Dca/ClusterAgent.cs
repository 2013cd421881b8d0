using System.Text.Json;
using Dca.Api;
using Dca.ClusterChecks;
using Dca.ControlPlane;
using Dca.Events;
using Dca.ExternalMetrics;
using Dca.Hosting;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Config;
using Dca.Leader;
using Dca.Metadata;
using Dca.Protocol.Intake;
using Dca.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Dca;

/// <summary>Composes the cluster agent's host: options, Kubernetes client, ports and services.</summary>
internal static class ClusterAgent
{
    public static async Task<int> RunAsync(AgentContext ctx)
    {
        if (ctx.CommandLine.Positional.Count > 0)
        {
            return await AgentCommands.RunAsync(ctx);
        }
        var options = DcaOptions.Load(ctx.Options);
        InlineSocketCompletions();
        var time = TimeProvider.System;
        ClusterEndpoint endpoint;
        try
        {
            endpoint = ClusterEndpointResolver.Resolve(options.KubeconfigPath, options.KubeContext, ctx.Options.Environment, time);
        }
        catch (KubeConfigException ex)
        {
            throw new OptionException(ex.Message);
        }
        await using var app = Build(options, endpoint, time);
        await app.StartAsync();
        StartupLog.Started(app.Logger, "dca", AgentProgram.ProductVersion, AgentHost.ListeningAddresses(app));
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>
    /// Socket completions run on the event thread that saw them instead of hopping to the thread pool
    /// (read once by the runtime, before the first socket). The handlers only copy pre-serialized bytes,
    /// so the hop was most of a request's scheduling: under pod churn on 2 cores the fleet load test's
    /// p99 went from 6-15 ms to 4.5-6.5 ms (docs/benchmarks.md). An explicit value, 0 included, wins.
    /// </summary>
    private static void InlineSocketCompletions()
    {
        const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }

    /// <summary>Builds the cluster agent's host (not started): tests run it in-process against the simulator.</summary>
    public static WebApplication Build(DcaOptions options, ClusterEndpoint endpoint, TimeProvider time)
    {
        var resourcesNamespace = options.ResourcesNamespaceName ?? endpoint.Namespace ?? "default";
        var builder = AgentHost.CreateBuilder(options.Logging);
        // The accept queue as deep as the kernel allows (it caps the value at net.core.somaxconn, as Go's
        // listener asks for): with Kestrel's default of 512, node agents reconnecting at once after an
        // upgrade overflow it and wait for their SYN retransmits (1 s, then 3 s) instead of for us.
        builder.WebHost.UseSockets(sockets => sockets.Backlog = 65_535);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            ServerLimits.Apply(kestrel.Limits, options.Admission);
            var certificates = kestrel.ApplicationServices.GetRequiredService<ServerCertificateSource>();
            var tlsLogger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(IdleTlsBuffers));
            kestrel.Listen(options.BindAddress, options.CommandPortNumber, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                // Before UseHttps: a connection over the limit is closed before its handshake costs anything.
                var admission = kestrel.ApplicationServices.GetRequiredService<ServerLimits>().Command;
                listen.Use(admission.Connections);
                listen.Use(admission.Handshakes.Before);
                listen.UseHttps(https => ServerTls.Configure(https, certificates, options.LegacyTls));
                listen.Use(HandshakeGate.After);
                listen.Use(next => IdleTlsBuffers.Connections(next, tlsLogger));
            });
            if (options.ExternalMetrics.Enabled)
            {
                kestrel.Listen(options.BindAddress, options.ExternalMetrics.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    var admission = kestrel.ApplicationServices.GetRequiredService<ServerLimits>().ExternalMetrics!;
                    listen.Use(admission.Connections);
                    listen.Use(admission.Handshakes.Before);
                    listen.UseHttps(https =>
                    {
                        ServerTls.Configure(https, certificates, options.LegacyTls);
                        // Asked for, not required, at the handshake: FrontProxyAuthenticator verifies it against the
                        // front-proxy CA it reads from the cluster (which rotates), and refuses with a Status body.
                        https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
                        https.AllowAnyClientCertificate();
                    });
                    listen.Use(HandshakeGate.After);
                    listen.Use(next => IdleTlsBuffers.Connections(next, tlsLogger));
                });
            }
            kestrel.Listen(options.BindAddress, options.HealthPortNumber);
            kestrel.Listen(options.BindAddress, options.MetricsPortNumber);
        });
        var services = builder.Services;
        services.AddSingleton(time);
        services.AddSingleton(options);
        services.AddSingleton<HealthRegistry>();
        services.AddSingleton<SnapshotHolder>();
        services.AddSingleton<MetricsRegistry>();
        services.AddSingleton<ServerLimits>();
        // Certificate files are re-read when they change (a rotated Secret); the generated certificate is fixed.
        services.AddSingleton(sp => options.TlsCertificatePath is { } certificatePath
            ? ServerCertificateSource.FromFiles(certificatePath, options.TlsKeyPath!, options.TlsReloadPeriod, time,
                sp.GetRequiredService<ILogger<ServerCertificateSource>>())
            : ServerCertificateSource.Fixed(ServerCertificate.Generate(options.KubernetesServiceName, resourcesNamespace, options.PodAddress, time),
                time, sp.GetRequiredService<ILogger<ServerCertificateSource>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ServerCertificateSource>());
        services.AddSingleton(new TokenAuthenticator(options.Token));
        services.AddSingleton(sp => new KubernetesClient(endpoint,
            new KubernetesClientOptions { UserAgent = $"dca/{AgentProgram.ProductVersion.Split('+')[0]}" },
            sp.GetRequiredService<ILoggerFactory>(), time));
        services.AddSingleton<ClusterIdentity>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterIdentity>());
        services.AddSingleton<MetadataService>();
        services.AddHostedService(sp => sp.GetRequiredService<MetadataService>());
        services.AddHostedService<ApiServerProbe>();
        services.AddSingleton<LeadershipHolder>();
        services.AddSingleton<ILeaderLock>(sp =>
        {
            var client = sp.GetRequiredService<KubernetesClient>();
            return options.Election.Lock == LockKind.ConfigMap
                ? new ConfigMapLock(client, resourcesNamespace, options.Election.LockName)
                : new LeaseLock(client, resourcesNamespace, options.Election.LockName);
        });
        services.AddSingleton(sp => new LeaderElector(sp.GetRequiredService<ILeaderLock>(), options.Election,
            sp.GetRequiredService<LeadershipHolder>(), sp.GetServices<ILeaderWork>(), time, sp.GetRequiredService<ILogger<LeaderElector>>()));
        services.AddHostedService(sp => sp.GetRequiredService<LeaderElector>());
        // Leader-only routes (cluster checks, external metrics) are wrapped by the forwarder so
        // followers proxy them to the leader's pod, found in this agent's Service's Endpoints.
        services.AddSingleton<ILeaderAddressResolver>(sp => new EndpointsLeaderAddressResolver(sp.GetRequiredService<KubernetesClient>(),
            resourcesNamespace, options.KubernetesServiceName, options.CommandPortNumber, time));
        services.AddSingleton<LeaderForwarder>();

        // Output: Datadog's intake with an API key, else JSON lines on standard output (logs go to stderr).
        services.AddSingleton<IIntakeSink>(sp => options.ApiKeyValue is { } apiKey
            ? new DatadogIntakeSink(new IntakeSinkOptions { ApiKey = apiKey, BaseUri = options.IntakeUri }, time,
                sp.GetRequiredService<ILogger<DatadogIntakeSink>>())
            : new JsonLinesSink(Console.Out));
        services.AddSingleton(sp => new ControlPlaneCheck(sp.GetRequiredService<KubernetesClient>(), sp.GetRequiredService<IIntakeSink>(),
            options.CheckIntervalValue, options.ClusterNameValue, sp.GetRequiredService<ILogger<ControlPlaneCheck>>()));
        services.AddSingleton<ILeaderWork>(sp => sp.GetRequiredService<ControlPlaneCheck>());
        if (options.CollectKubernetesEvents)
        {
            services.AddSingleton(sp => new EventCollector(sp.GetRequiredService<KubernetesClient>(), sp.GetRequiredService<IIntakeSink>(),
                new EventTokenStore(sp.GetRequiredService<KubernetesClient>(), resourcesNamespace, options.EventTokenConfigMap),
                new EventCollectorOptions
                {
                    Interval = options.CheckIntervalValue, Unbundled = options.UnbundleEventsValue, FilteredEventTypes = options.FilteredEventTypeList, ClusterName = options.ClusterNameValue,
                    // Half the gap between this term's end (the renew deadline) and the lease's expiry, at most 2 s (well inside
                    // the 4 s graceful stop, so that the lease is still given back on shutdown).
                    HandOverGrace = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(2).Ticks, (options.Election.LeaseDuration - options.Election.RenewDeadline).Ticks / 2)),
                },
                sp.GetRequiredService<ILogger<EventCollector>>()));
            services.AddSingleton<ILeaderWork>(sp => sp.GetRequiredService<EventCollector>());
        }
        if (options.ClusterChecks.Enabled)
        {
            services.AddSingleton(sp => new ClusterCheckDispatcher(time, options.ClusterChecks));
            services.AddSingleton<ClusterCheckSources>();
            services.AddHostedService(sp => sp.GetRequiredService<ClusterCheckSources>());
            services.AddSingleton<ClusterCheckLeaderWork>();
            services.AddSingleton<ILeaderWork>(sp => sp.GetRequiredService<ClusterCheckLeaderWork>());
        }
        if (options.ExternalMetrics.Enabled)
        {
            var em = options.ExternalMetrics;
            if (em.Datadog is { } datadog)
            {
                services.AddSingleton(sp => new DatadogQueryClient(datadog, time, sp.GetRequiredService<ILogger<DatadogQueryClient>>()));
            }
            switch (em.Backend)
            {
                case ExternalMetricsBackendKind.Prometheus:
                    services.AddSingleton<IMetricsBackend>(_ => new PrometheusBackend(em.PrometheusUrl!));
                    break;
                case ExternalMetricsBackendKind.Datadog:
                    services.AddSingleton(sp => new DatadogBackend(sp.GetRequiredService<DatadogQueryClient>(), em.MaxAge, time, sp.GetRequiredService<ILogger<DatadogBackend>>()));
                    services.AddSingleton<IMetricsBackend>(sp => sp.GetRequiredService<DatadogBackend>());
                    services.AddSingleton<ILeaderWork>(sp => sp.GetRequiredService<DatadogBackend>());
                    break;
                default:
                    services.AddSingleton(sp => new AgentSeriesStore(time, em.MaxAge));
                    services.AddSingleton<IMetricsBackend>(sp => sp.GetRequiredService<AgentSeriesStore>());
                    break;
            }
            if (em.UseDatadogMetrics)
            {
                services.AddSingleton(sp => new DatadogMetricController(sp.GetRequiredService<KubernetesClient>(), sp.GetRequiredService<DatadogQueryClient>(),
                    em.MaxAge, time, sp.GetRequiredService<ILoggerFactory>()));
                services.AddHostedService(sp => sp.GetRequiredService<DatadogMetricController>());
                services.AddSingleton<ILeaderWork>(sp => sp.GetRequiredService<DatadogMetricController>());
            }
            services.AddSingleton(sp => new FrontProxyAuthenticator(sp.GetRequiredService<KubernetesClient>(), options.ExternalMetrics, time,
                sp.GetRequiredService<ILogger<FrontProxyAuthenticator>>()));
            services.AddHostedService(sp => sp.GetRequiredService<FrontProxyAuthenticator>());
            if (em.TokenReview)
            {
                services.AddSingleton<DelegatedAuthenticator>();
            }
            services.AddSingleton<LeaderValueClient>();
            services.AddSingleton<ExternalMetricsApi>();
        }
        services.AddSingleton<NodeAgentApi>();
        services.AddSingleton<ClusterChecksApi>();
        services.AddSingleton<AgentStatus>();

        var app = builder.Build();
        app.UseMethodNotAllowedReason(options.ExternalMetrics.Enabled ? options.ExternalMetrics.Port : null);
        var metrics = app.Services.GetRequiredService<MetricsRegistry>();
        var status = app.Services.GetRequiredService<AgentStatus>();
        metrics.AddCollector(status.Collect);
        // Read here, so that certificate files without a usable pair stop the start with the option's name.
        metrics.AddCollector(app.Services.GetRequiredService<ServerCertificateSource>().Collect);
        var authenticator = app.Services.GetRequiredService<TokenAuthenticator>();
        app.Use(app.Services.GetRequiredService<ServerLimits>().Requests(options.CommandPortNumber, options.ExternalMetrics.Port));
        app.MapPort(options.CommandPortNumber, endpoints =>
        {
            app.Services.GetRequiredService<NodeAgentApi>().Map(endpoints);
            app.Services.GetRequiredService<ClusterChecksApi>().Map(endpoints);
            if (app.Services.GetService<AgentSeriesStore>() is { } store)
            {
                // Node agents push their series to the leader, which keeps the window the external metrics are read from.
                var forwarder = app.Services.GetRequiredService<LeaderForwarder>();
                endpoints.MapPost("/api/v2/series", ApiEndpoint.Wrap(forwarder.LeaderOnly(
                    ctx => ExternalMetricsApi.ReceiveSeries(ctx, store)), metrics.Route("series"), authenticator)).WithDisplayName("series");
                // Followers' external metrics API asks the leader's values here.
                endpoints.MapGet(ExternalMetricsApi.LeaderValueRoute, ApiEndpoint.Wrap(forwarder.LeaderOnly(
                    app.Services.GetRequiredService<ExternalMetricsApi>().LeaderValue), metrics.Route("em_leader_value"), authenticator)).WithDisplayName("em_leader_value");
            }
            endpoints.MapGet("/status", ApiEndpoint.Wrap(
                ctx => JsonSerializer.SerializeAsync(ctx.Response.Body, status.Report(), StatusJsonContext.Default.StatusReport, ctx.RequestAborted),
                metrics.Route("status"), authenticator));
        }, NotFound);
        if (app.Services.GetService<ExternalMetricsApi>() is { } externalMetrics)
        {
            app.MapPort(options.ExternalMetrics.Port, externalMetrics.Map, ctx => ExternalMetricsApi.Status(ctx, 404, "NotFound", "the server could not find the requested resource"));
        }
        app.MapHealth(app.Services.GetRequiredService<HealthRegistry>(), options.HealthPortNumber);
        app.MapPort(options.MetricsPortNumber, endpoints =>
            endpoints.MapGet("/metrics", (HttpContext c) =>
            {
                c.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                return c.Response.WriteAsync(metrics.Render(), c.RequestAborted);
            }), NotFound);

        return app;
    }

    /// <summary>Go's mux answer for an unknown path (PROTOCOL.md §1.1), before any authentication.</summary>
    private static Task NotFound(HttpContext ctx)
    {
        ctx.Response.StatusCode = StatusCodes.Status404NotFound;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        return ctx.Response.WriteAsync("404 page not found\n", ctx.RequestAborted);
    }
}
