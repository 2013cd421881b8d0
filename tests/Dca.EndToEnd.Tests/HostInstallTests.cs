using Dca.Testing;
using static Dca.EndToEnd.Tests.Manifests;

namespace Dca.EndToEnd.Tests;

/// <summary>The systemd units of <c>deploy/host</c>: valid for systemd, hardened, and configured with options the binaries read.</summary>
public sealed class HostInstallTests
{
    [Theory]
    [InlineData("dca")]
    [InlineData("dca-node")]
    public void Unit_VerifiesAndIsHardened(string binary)
    {
        // systemd-analyze checks that ExecStart exists: point it at the published binary.
        var dir = Directory.CreateTempSubdirectory("dca-unit-").FullName;
        var unit = Path.Combine(dir, binary + ".service");
        File.WriteAllText(unit, File.ReadAllText(Path.Combine(Root, "deploy", "host", binary + ".service"))
            .Replace($"ExecStart=/usr/local/bin/{binary}", "ExecStart=" + NativeProcess.PathOf(binary), StringComparison.Ordinal));
        var (code, stdout, stderr) = Run("systemd-analyze", ["verify", unit]);
        Assert.True(code == 0 && stderr.Trim().Length == 0, $"systemd-analyze verify: {stdout}{stderr}");
        (code, stdout, stderr) = Run("systemd-analyze", ["security", "--offline=yes", "--threshold=20", unit]);
        Assert.True(code == 0, stdout + stderr);
        var exposure = stdout.Split('\n').Single(l => l.Contains("Overall exposure level", StringComparison.Ordinal));
        var score = double.Parse(exposure.Split(':')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(score <= 2.0, exposure);
        Directory.Delete(dir, recursive: true);
    }

    [Theory]
    [InlineData("dca")]
    [InlineData("dca-node")]
    public async Task EnvironmentFile_SetsOnlyOptionsTheBinaryReads(string binary)
    {
        var options = await HelpOptions.ReadAsync(binary);
        var lines = File.ReadAllLines(Path.Combine(Root, "deploy", "host", binary + ".env"));
        var names = lines.Select(l => l.TrimStart('#').Trim()).Where(l => l.Contains('=', StringComparison.Ordinal) && !l.Contains(' ', StringComparison.Ordinal))
            .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).ToList();
        Assert.NotEmpty(names);
        foreach (var name in names)
        {
            Assert.True(options.ContainsKey(name), $"deploy/host/{binary}.env names {name}, which {binary} does not read");
        }
        // The unit's own Environment= lines too.
        foreach (var line in File.ReadAllLines(Path.Combine(Root, "deploy", "host", binary + ".service")).Where(l => l.StartsWith("Environment=", StringComparison.Ordinal)))
        {
            var name = line["Environment=".Length..].Split('=')[0];
            Assert.True(options.ContainsKey(name) || name == "KUBECONFIG", $"{binary}.service sets {name}, which {binary} does not read");
        }
    }
}
