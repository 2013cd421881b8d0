using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dca.Kubernetes.Config;

/// <summary>The kubeconfig <c>user.exec</c> stanza.</summary>
public sealed record ExecConfig(
    string ApiVersion,
    string Command,
    IReadOnlyList<string> Args,
    IReadOnlyList<KeyValuePair<string, string>> Env,
    string? InstallHint,
    string BaseDirectory);

/// <summary>
/// Credentials from an exec plugin (<c>client.authentication.k8s.io/v1</c> or <c>v1beta1</c>
/// ExecCredential), cached until the expiry the plugin reports (refreshed a little early), or for the
/// life of the process when it reports none, and re-run after a 401.
/// </summary>
public sealed class ExecCredentialPlugin(ExecConfig config, TimeProvider time) : ICredentialSource, IDisposable
{
    /// <summary>Refresh this long before the reported expiry, so no request goes out with a dying token.</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(10);

    /// <summary>The longest a plugin may run before it is killed and the request fails.</summary>
    public static readonly TimeSpan PluginTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Credentials? _cached;
    private DateTimeOffset? _expiry;

    public async ValueTask<Credentials> GetAsync(CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && !Expired())
        {
            return cached;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is not null && !Expired())
            {
                return _cached;
            }
            var (credentials, expiry) = await RunAsync(cancellationToken);
            _expiry = expiry;
            Volatile.Write(ref _cached, credentials);
            return credentials;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Invalidate() => Volatile.Write(ref _cached, null);

    public void Dispose() => _gate.Dispose();

    private bool Expired() => _expiry is { } e && time.GetUtcNow() >= e - RefreshMargin;

    private async Task<(Credentials, DateTimeOffset?)> RunAsync(CancellationToken cancellationToken)
    {
        var command = config.Command;
        // A relative command with a path separator is relative to the kubeconfig's directory (client-go).
        if (command.Contains('/', StringComparison.Ordinal) && !System.IO.Path.IsPathRooted(command))
        {
            command = System.IO.Path.GetFullPath(System.IO.Path.Combine(config.BaseDirectory, command));
        }
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in config.Args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in config.Env)
        {
            start.Environment[key] = value;
        }
        start.Environment["KUBERNETES_EXEC_INFO"] =
            $"{{\"apiVersion\":\"{config.ApiVersion}\",\"kind\":\"ExecCredential\",\"spec\":{{\"interactive\":false}}}}";

        // The deadline runs on the injected clock and starts before the plugin does, so a plugin that
        // hangs from its first instruction is still bounded.
        using var deadline = new CancellationTokenSource(PluginTimeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new KubeConfigException($"exec plugin {config.Command} did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            var hint = config.InstallHint is { Length: > 0 } h ? " " + string.Join(' ', h.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) : "";
            throw new KubeConfigException($"exec plugin {config.Command} cannot be run: {ex.Message}.{hint}", ex);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Whether the caller gave up or the plugin overran, a plugin left running would outlive the
                // request (and may hold a browser login or a cloud API call open).
                process.Kill(entireProcessTree: true);
                if (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                throw new KubeConfigException($"exec plugin {config.Command} did not finish within {PluginTimeout.TotalSeconds} s");
            }
            var output = await stdout;
            var errors = await stderr;
            if (process.ExitCode != 0)
            {
                throw new KubeConfigException($"exec plugin {config.Command} exited with code {process.ExitCode}: {FirstLine(errors)}");
            }
            return Parse(output);
        }
    }

    internal (Credentials, DateTimeOffset?) Parse(string output)
    {
        ExecCredential? credential;
        try
        {
            credential = JsonSerializer.Deserialize(output, ExecCredentialJsonContext.Default.ExecCredential);
        }
        catch (JsonException ex)
        {
            throw new KubeConfigException($"exec plugin {config.Command} printed something that is not an ExecCredential: {ex.Message}", ex);
        }
        if (credential?.Kind != "ExecCredential" || credential.Status is null)
        {
            throw new KubeConfigException($"exec plugin {config.Command} printed no ExecCredential status");
        }
        if (credential.ApiVersion != config.ApiVersion)
        {
            throw new KubeConfigException($"exec plugin {config.Command} answered apiVersion {credential.ApiVersion}, expected {config.ApiVersion}");
        }
        var status = credential.Status;
        X509Certificate2? certificate = null;
        if (status.ClientCertificateData is { Length: > 0 } certPem)
        {
            if (status.ClientKeyData is not { Length: > 0 } keyPem)
            {
                throw new KubeConfigException($"exec plugin {config.Command} returned clientCertificateData without clientKeyData");
            }
            certificate = CertificateLoader.FromPem(certPem, keyPem, $"exec plugin {config.Command}");
        }
        if (status.Token is { Length: > 0 } returned && Credentials.TokenProblem(returned) is { } problem)
        {
            throw new KubeConfigException($"exec plugin {config.Command} returned a token that {problem}");
        }
        if (status.Token is not { Length: > 0 } && certificate is null)
        {
            throw new KubeConfigException($"exec plugin {config.Command} returned neither a token nor a client certificate");
        }
        DateTimeOffset? expiry = null;
        if (status.ExpirationTimestamp is { Length: > 0 } ts)
        {
            if (!DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                throw new KubeConfigException($"exec plugin {config.Command} returned an unreadable expirationTimestamp");
            }
            expiry = parsed;
        }
        return (new Credentials(status.Token is { Length: > 0 } t ? t : null, certificate), expiry);
    }

    private static string FirstLine(string text)
    {
        var trimmed = text.Trim();
        var nl = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? trimmed : trimmed[..nl];
    }
}

internal sealed class ExecCredential
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("status")]
    public ExecCredentialStatus? Status { get; set; }
}

internal sealed class ExecCredentialStatus
{
    [JsonPropertyName("token")]
    public string? Token { get; set; }

    [JsonPropertyName("clientCertificateData")]
    public string? ClientCertificateData { get; set; }

    [JsonPropertyName("clientKeyData")]
    public string? ClientKeyData { get; set; }

    [JsonPropertyName("expirationTimestamp")]
    public string? ExpirationTimestamp { get; set; }
}

[JsonSerializable(typeof(ExecCredential))]
internal sealed partial class ExecCredentialJsonContext : JsonSerializerContext;
