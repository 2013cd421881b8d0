using System.Globalization;
using Dca.Kubernetes.Config;
using Dca.Testing;

namespace Dca.Kubernetes.Tests.Config;

/// <summary>
/// An exec credential plugin run for real: a small shell script in a temp directory, named by a kubeconfig
/// beside it, that counts its runs and records its arguments and exec info for the test to read.
/// </summary>
internal sealed class FakeExecPlugin : IDisposable
{
    public const string V1 = "client.authentication.k8s.io/v1";
    public const string V1Beta1 = "client.authentication.k8s.io/v1beta1";

    public ScratchDirectory Dir { get; } = new();

    /// <summary>The clock the plugin's cache and deadline run on; it starts at 2026-01-01T00:00:00Z.</summary>
    public ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>How many times the plugin has run (the <see cref="WriteAnswering"/> script counts).</summary>
    public int Runs => File.Exists(Dir.PathOf("bin/count"))
        ? int.Parse(File.ReadAllText(Dir.PathOf("bin/count")).Trim(), CultureInfo.InvariantCulture)
        : 0;

    /// <summary>The arguments of the last run, one a line.</summary>
    public string RecordedArgs => File.ReadAllText(Dir.PathOf("bin/args"));

    /// <summary>KUBERNETES_EXEC_INFO as the last run saw it.</summary>
    public string RecordedExecInfo => File.ReadAllText(Dir.PathOf("bin/exec-info"));

    /// <summary>A plugin that answers token <c>tok-RUN-$PLUGIN_GREETING</c>, expiring at <paramref name="expiry"/>.</summary>
    public void WriteAnswering(string answerApiVersion = V1, string? expiry = "2026-01-01T00:05:00Z")
    {
        var expiryField = expiry is null ? "" : $",\"expirationTimestamp\":\"{expiry}\"";
        WriteScript($$$"""
            n=$(cat "$dir/count" 2>/dev/null || echo 0)
            n=$((n + 1))
            echo "$n" > "$dir/count"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/exec-info"
            printf '%s\n' "$@" > "$dir/args"
            echo '{"apiVersion":"{{{answerApiVersion}}}","kind":"ExecCredential","status":{"token":"tok-'"$n"'-'"$PLUGIN_GREETING"'"{{{expiryField}}}}}'
            """);
    }

    /// <summary>A plugin that records its pid (see <see cref="PidAsync"/>) and then never answers.</summary>
    public void WriteHanging() =>
        WriteScript("echo $$ > \"$dir/pid.tmp\" && mv \"$dir/pid.tmp\" \"$dir/pid\"\nexec sleep 120");

    /// <summary>A plugin with this script body; <c>$dir</c> is the script's directory.</summary>
    public void WriteScript(string body) => Dir.WriteScript("bin/plugin.sh", "dir=$(dirname \"$0\")\n" + body + "\n");

    /// <summary>Loads a kubeconfig whose user runs the plugin, and returns that user's credential source.</summary>
    public ICredentialSource LoadCredentials(string configApiVersion = V1, string command = "./bin/plugin.sh", string args = "[get-token, --cluster, prod]")
    {
        var config = Dir.Write("config", $$"""
            current-context: ctx
            clusters:
            - name: c
              cluster: {server: "https://api.example"}
            users:
            - name: u
              user:
                exec:
                  apiVersion: {{configApiVersion}}
                  command: {{command}}
                  args: {{args}}
                  env:
                  - name: PLUGIN_GREETING
                    value: hello
                  installHint: |
                    Install the plugin with: brew install example-login
                  provideClusterInfo: false
            contexts:
            - name: ctx
              context: {cluster: c, user: u}
            """);
        return KubeConfigLoader.Load([config], null, Time).Credentials;
    }

    /// <summary>Waits for a <see cref="WriteHanging"/> plugin to start and returns its pid.</summary>
    public async Task<int> PidAsync()
    {
        var path = Dir.PathOf("bin/pid");
        await Wait.UntilAsync(() => File.Exists(path), "the plugin to start");
        return int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>True when the process has exited (a zombie waiting to be reaped has exited too).</summary>
    public static bool ProcessGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => Dir.Dispose();
}
