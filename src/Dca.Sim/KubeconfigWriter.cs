using System.Text;

namespace Dca.Sim;

/// <summary>Writes the kubeconfig that reaches the simulator: server, CA data, the admin token, one context.</summary>
internal static class KubeconfigWriter
{
    public static void Write(string path, Uri server, string caPem, string token)
    {
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem));
        var yaml = new StringBuilder()
            .AppendLine("apiVersion: v1")
            .AppendLine("kind: Config")
            .AppendLine("clusters:")
            .AppendLine("- name: dca-sim")
            .AppendLine("  cluster:")
            .Append("    server: ").AppendLine(server.ToString().TrimEnd('/'));
        if (server.Scheme == "https")
        {
            yaml.Append("    certificate-authority-data: ").AppendLine(ca);
        }
        yaml.AppendLine("contexts:")
            .AppendLine("- name: dca-sim")
            .AppendLine("  context:")
            .AppendLine("    cluster: dca-sim")
            .AppendLine("    user: admin")
            .AppendLine("    namespace: default")
            .AppendLine("current-context: dca-sim")
            .AppendLine("users:")
            .AppendLine("- name: admin")
            .AppendLine("  user:")
            .Append("    token: ").AppendLine(token)
            .AppendLine("preferences: {}");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, yaml.ToString());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
