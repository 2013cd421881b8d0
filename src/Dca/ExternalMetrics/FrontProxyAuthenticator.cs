using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Dca.Kubernetes.Client;
using Dca.Kubernetes.Models;

namespace Dca.ExternalMetrics;

/// <summary>
/// Authenticates requests as an aggregated API server must (Kubernetes' "request header" authentication): the
/// client presents a certificate that chains to <c>requestheader-client-ca-file</c> of ConfigMap
/// <c>kube-system/extension-apiserver-authentication</c>, whose common name is one of
/// <c>requestheader-allowed-names</c> (any, when the list is empty); the user is then the first
/// <c>requestheader-username-headers</c> header (<c>X-Remote-User</c>), the groups the
/// <c>requestheader-group-headers</c> ones (<c>X-Remote-Group</c>). Anything else is refused. The ConfigMap is read
/// at start and every refresh period, so a rotated CA is picked up; until the first read every request is refused.
/// </summary>
internal sealed partial class FrontProxyAuthenticator(KubernetesClient client, ExternalMetricsSettings settings, TimeProvider time, ILogger<FrontProxyAuthenticator> logger)
    : BackgroundService
{
    private volatile Trust? _trust;
    private string? _lastError = "the front-proxy CA has not been read yet";

    /// <summary>Why requests are refused now (null once the CA has been read).</summary>
    public string? Problem => _trust is null ? _lastError : null;

    /// <summary>
    /// The user and groups the front proxy asserts, as kube-apiserver's request-header authenticator reads them: the
    /// user is the first value of the first user header that has a non-empty one (a repeated header does not join
    /// two users into one), the groups every non-empty value of every group header, each line one group (the
    /// aggregator sends a line per group; a comma is part of a name).
    /// </summary>
    internal static (string? User, List<string> Groups) FromHeaders(IHeaderDictionary headers, IEnumerable<string> userHeaders, IEnumerable<string> groupHeaders)
    {
        var user = userHeaders.Select(h => headers[h].FirstOrDefault() ?? "").FirstOrDefault(v => v.Length > 0);
        var groups = groupHeaders.SelectMany(h => headers[h]).Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        return (user, groups);
    }

    /// <summary>Who the request is from, or why it is refused.</summary>
    public (string? User, IReadOnlyList<string> Groups, string? Refusal) Authenticate(HttpContext context)
    {
        var trust = _trust;
        if (trust is null)
        {
            return (null, [], "the front-proxy CA is not known yet: " + _lastError);
        }
        if (context.Connection.ClientCertificate is not { } certificate)
        {
            return (null, [], "no client certificate: only the API server's aggregator (front proxy) may call this server");
        }
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(trust.Authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")); // client authentication
            chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
            if (!chain.Build(certificate))
            {
                var why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
                return (null, [], "the client certificate does not verify against the front-proxy CA: " + (why.Length > 0 ? why : "untrusted"));
            }
        }
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (trust.AllowedNames.Count > 0 && !trust.AllowedNames.Contains(name))
        {
            return (null, [], $"the client certificate's name {name} is not among requestheader-allowed-names");
        }
        var (user, groups) = FromHeaders(context.Request.Headers, trust.UserHeaders, trust.GroupHeaders);
        return user is null ? (null, [], $"no user in {string.Join(" or ", trust.UserHeaders)}") : (user, groups, null);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.AuthenticationRefresh, time);
        do
        {
            try
            {
                var map = await client.TryGetAsync(Resources.ConfigMaps, settings.AuthenticationConfigMapNamespace, settings.AuthenticationConfigMapName, stoppingToken);
                var trust = map is null
                    ? throw new InvalidDataException($"ConfigMap {settings.AuthenticationConfigMapNamespace}/{settings.AuthenticationConfigMapName} does not exist")
                    : Read(map);
                if (_trust is null)
                {
                    Log.Loaded(logger, trust.Authorities.Count, trust.AllowedNames.Count);
                }
                _trust = trust;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                _lastError = e.Message;
                // The last good CA keeps serving; without one, requests are refused with this reason.
                Log.ReadFailed(logger, settings.AuthenticationConfigMapNamespace, settings.AuthenticationConfigMapName, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>The trust a ConfigMap describes.</summary>
    internal static Trust Read(ConfigMap map)
    {
        var data = map.Data ?? [];
        if (!data.TryGetValue("requestheader-client-ca-file", out var pem) || pem.Length == 0)
        {
            throw new InvalidDataException("the ConfigMap has no requestheader-client-ca-file: the API server runs without --requestheader-client-ca-file, so it cannot reach aggregated APIs");
        }
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPem(pem);
        if (authorities.Count == 0)
        {
            throw new InvalidDataException("requestheader-client-ca-file holds no PEM certificate");
        }
        return new Trust(authorities, List(data, "requestheader-allowed-names").ToHashSet(StringComparer.Ordinal),
            List(data, "requestheader-username-headers") is { Count: > 0 } u ? u : ["X-Remote-User"],
            List(data, "requestheader-group-headers") is { Count: > 0 } g ? g : ["X-Remote-Group"]);
    }

    /// <summary>kube-apiserver writes these lists as JSON arrays of strings.</summary>
    private static List<string> List(Dictionary<string, string> data, string key)
    {
        if (!data.TryGetValue(key, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return [];
        }
        try
        {
            using var doc = JsonDocument.Parse(text);
            return [.. doc.RootElement.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).Where(s => s.Length > 0)];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{key} is not a JSON array of strings: {text}", e);
        }
    }

    internal sealed record Trust(X509Certificate2Collection Authorities, IReadOnlySet<string> AllowedNames, IReadOnlyList<string> UserHeaders, IReadOnlyList<string> GroupHeaders);

    private static partial class Log
    {
        [LoggerMessage(1000, LogLevel.Information, "External metrics: front-proxy CA read ({Authorities} certificates, {Names} allowed names)")]
        public static partial void Loaded(ILogger logger, int authorities, int names);

        [LoggerMessage(1001, LogLevel.Warning, "External metrics: cannot read ConfigMap {Namespace}/{Name}: {Error}")]
        public static partial void ReadFailed(ILogger logger, string @namespace, string name, string error);
    }
}
