using System.Text;
using YamlDotNet.RepresentationModel;

namespace Dca.Kubernetes.Config;

/// <summary>
/// Loads a kubeconfig the way kubectl does: <c>--kubeconfig</c> if given, else every file in
/// <c>KUBECONFIG</c> (':'-separated) merged with the first definition of each name winning, else
/// <c>~/.kube/config</c>. Relative file paths resolve against the file that named them.
/// </summary>
public static class KubeConfigLoader
{
    /// <summary>The files to read, in merge order.</summary>
    public static IReadOnlyList<string> ResolvePaths(string? explicitPath, string? kubeconfigEnv, string? home)
    {
        if (explicitPath is { Length: > 0 })
        {
            return [explicitPath];
        }
        if (kubeconfigEnv is { Length: > 0 })
        {
            var paths = kubeconfigEnv.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // Missing files in KUBECONFIG are skipped, as kubectl does; an explicit path must exist.
            return paths.Where(File.Exists).Distinct(StringComparer.Ordinal).ToArray() is { Length: > 0 } existing
                ? existing
                : throw new KubeConfigException($"KUBECONFIG={kubeconfigEnv}: none of these files exists");
        }
        var fallback = Path.Combine(home ?? "", ".kube", "config");
        return File.Exists(fallback)
            ? [fallback]
            : throw new KubeConfigException($"no kubeconfig: --kubeconfig and KUBECONFIG are unset and {fallback} does not exist");
    }

    /// <summary>Loads and merges <paramref name="paths"/> and resolves <paramref name="context"/> (or the current context).</summary>
    public static ClusterEndpoint Load(IReadOnlyList<string> paths, string? context, TimeProvider time)
    {
        var docs = paths.Select(p => KubeConfigDocument.Load(Path.GetFullPath(p))).ToList();
        var files = string.Join(", ", docs.Select(d => d.Path));
        var contextName = context is { Length: > 0 } ? context : docs.Select(d => d.CurrentContext).FirstOrDefault(c => c is { Length: > 0 });
        if (contextName is null)
        {
            throw new KubeConfigException($"kubeconfig {files}: current-context is not set and no --context was given");
        }
        var (contextDoc, contextNode) = Find(docs, d => d.Contexts, contextName)
            ?? throw new KubeConfigException($"kubeconfig {files}: context \"{contextName}\" is not defined");
        var clusterName = KubeConfigDocument.Scalar(contextNode, "cluster")
            ?? throw new KubeConfigException($"kubeconfig {contextDoc.Path}: context \"{contextName}\": field cluster is missing");
        var userName = KubeConfigDocument.Scalar(contextNode, "user");
        var (clusterDoc, cluster) = Find(docs, d => d.Clusters, clusterName)
            ?? throw new KubeConfigException($"kubeconfig {files}: context \"{contextName}\": cluster \"{clusterName}\" is not defined");
        YamlMappingNode? user = null;
        KubeConfigDocument? userDoc = null;
        if (userName is { Length: > 0 })
        {
            (userDoc, user) = Find(docs, d => d.Users, userName)
                ?? throw new KubeConfigException($"kubeconfig {files}: context \"{contextName}\": user \"{userName}\" is not defined");
        }

        var where = $"kubeconfig {clusterDoc.Path}: context \"{contextName}\": cluster \"{clusterName}\"";
        var serverText = KubeConfigDocument.Scalar(cluster, "server")
            ?? throw new KubeConfigException($"{where}: field server is missing");
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || (server.Scheme != "https" && server.Scheme != "http"))
        {
            throw new KubeConfigException($"{where}: field server is not an http(s) URL: {serverText}");
        }
        var insecure = Bool(cluster, "insecure-skip-tls-verify", where);
        var ca = ReadPem(cluster, "certificate-authority", "certificate-authority-data", clusterDoc.Path, where);
        var credentials = user is null
            ? new StaticCredentials(Credentials.None)
            : UserCredentials(user, userDoc!.Path, $"kubeconfig {userDoc.Path}: context \"{contextName}\": user \"{userName}\"", time);
        return new ClusterEndpoint
        {
            Server = server,
            Namespace = KubeConfigDocument.Scalar(contextNode, "namespace"),
            CertificateAuthorities = ca is null ? null : CertificateLoader.CaBundle(ca, $"{where}: certificate-authority"),
            InsecureSkipTlsVerify = insecure,
            TlsServerName = KubeConfigDocument.Scalar(cluster, "tls-server-name"),
            Credentials = credentials,
            Description = $"kubeconfig {files} (context {contextName})",
        };
    }

    private static ICredentialSource UserCredentials(YamlMappingNode user, string file, string where, TimeProvider time)
    {
        var certPem = ReadPem(user, "client-certificate", "client-certificate-data", file, where);
        var keyPem = ReadPem(user, "client-key", "client-key-data", file, where);
        if ((certPem is null) != (keyPem is null))
        {
            throw new KubeConfigException($"{where}: {(certPem is null ? "client-key is set without client-certificate" : "client-certificate is set without client-key")}");
        }
        var certificate = certPem is null ? null : CertificateLoader.FromPem(certPem, keyPem!, where);

        if (KubeConfigDocument.Child(user, "exec") is YamlMappingNode exec)
        {
            return new ExecCredentialPlugin(ReadExec(exec, file, where), time);
        }
        if (KubeConfigDocument.Scalar(user, "token") is { Length: > 0 } token)
        {
            if (Credentials.TokenProblem(token) is { } problem)
            {
                throw new KubeConfigException($"{where}: field token {problem}");
            }
            return new StaticCredentials(new Credentials(token, certificate));
        }
        if (KubeConfigDocument.Scalar(user, "tokenFile") is { Length: > 0 } tokenFile)
        {
            var path = Resolve(file, tokenFile);
            if (!File.Exists(path))
            {
                throw new KubeConfigException($"{where}: tokenFile {path} does not exist");
            }
            return new TokenFileCredentials(path, certificate, time);
        }
        if (KubeConfigDocument.Child(user, "auth-provider") is not null)
        {
            throw new KubeConfigException($"{where}: auth-provider plugins are not supported; use an exec credential plugin");
        }
        if (KubeConfigDocument.Scalar(user, "username") is not null)
        {
            throw new KubeConfigException($"{where}: basic authentication (username/password) is not supported");
        }
        return new StaticCredentials(new Credentials(null, certificate));
    }

    private static ExecConfig ReadExec(YamlMappingNode exec, string file, string where)
    {
        var apiVersion = KubeConfigDocument.Scalar(exec, "apiVersion")
            ?? throw new KubeConfigException($"{where}: exec: field apiVersion is missing");
        if (apiVersion is not ("client.authentication.k8s.io/v1" or "client.authentication.k8s.io/v1beta1"))
        {
            throw new KubeConfigException($"{where}: exec: apiVersion {apiVersion} is not supported (use client.authentication.k8s.io/v1)");
        }
        var command = KubeConfigDocument.Scalar(exec, "command")
            ?? throw new KubeConfigException($"{where}: exec: field command is missing");
        var args = KubeConfigDocument.Child(exec, "args") is YamlSequenceNode argList
            ? argList.OfType<YamlScalarNode>().Select(a => a.Value ?? "").ToList()
            : [];
        var env = new List<KeyValuePair<string, string>>();
        if (KubeConfigDocument.Child(exec, "env") is YamlSequenceNode envList)
        {
            foreach (var item in envList.OfType<YamlMappingNode>())
            {
                var name = KubeConfigDocument.Scalar(item, "name")
                    ?? throw new KubeConfigException($"{where}: exec: every env entry needs a name");
                env.Add(new(name, KubeConfigDocument.Scalar(item, "value") ?? ""));
            }
        }
        return new ExecConfig(apiVersion, command, args, env, KubeConfigDocument.Scalar(exec, "installHint"),
            Path.GetDirectoryName(file) ?? ".");
    }

    private static (KubeConfigDocument, YamlMappingNode)? Find(
        List<KubeConfigDocument> docs, Func<KubeConfigDocument, Dictionary<string, YamlMappingNode>> map, string name)
    {
        foreach (var doc in docs)
        {
            if (map(doc).TryGetValue(name, out var node))
            {
                return (doc, node);
            }
        }
        return null;
    }

    private static bool Bool(YamlMappingNode node, string key, string where) =>
        KubeConfigDocument.Scalar(node, key) switch
        {
            null or "false" or "False" => false,
            "true" or "True" => true,
            var other => throw new KubeConfigException($"{where}: field {key} must be true or false, not {other}"),
        };

    /// <summary>Reads PEM text from the inline base64 <paramref name="dataKey"/> or the file <paramref name="fileKey"/>.</summary>
    private static string? ReadPem(YamlMappingNode node, string fileKey, string dataKey, string configFile, string where)
    {
        if (KubeConfigDocument.Scalar(node, dataKey) is { Length: > 0 } data)
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(data));
            }
            catch (FormatException ex)
            {
                throw new KubeConfigException($"{where}: field {dataKey} is not valid base64", ex);
            }
        }
        if (KubeConfigDocument.Scalar(node, fileKey) is { Length: > 0 } file)
        {
            var path = Resolve(configFile, file);
            try
            {
                return BoundedFile.ReadText(path, BoundedFile.MaxConfigBytes);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KubeConfigException($"{where}: field {fileKey}: cannot read {path}: {ex.Message}", ex);
            }
        }
        return null;
    }

    private static string Resolve(string configFile, string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(configFile) ?? ".", path));
}
