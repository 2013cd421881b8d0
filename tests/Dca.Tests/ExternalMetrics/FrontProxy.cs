using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dca.Sim.Store;
using Dca.Testing;
using Dca.Tests.Api;

namespace Dca.Tests.ExternalMetrics;

/// <summary>Requests to the external metrics API as the aggregator sends them: a front-proxy client certificate and <c>X-Remote-User</c>.</summary>
internal static class FrontProxy
{
    /// <summary>
    /// A client certificate from a CA this call publishes in <c>kube-system/extension-apiserver-authentication</c>
    /// (replacing the simulator's); the agent reads it within its authentication refresh.
    /// </summary>
    public static X509Certificate2 Trust(AgentUnderTest agent)
    {
        using var ca = TestCertificates.Authority("test-front-proxy-ca");
        agent.Sim.Update(ResourceTypes.ConfigMaps, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "extension-apiserver-authentication", ["namespace"] = "kube-system" },
            ["data"] = new JsonObject { ["requestheader-client-ca-file"] = ca.ExportCertificatePem() },
        }.ToJsonString());
        return TestCertificates.Client("front-proxy-client", ca);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(int port, X509Certificate2 client, string path)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        handler.SslOptions.ClientCertificates = [client];
        handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => client;
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Remote-User", "system:kube-controller-manager");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
