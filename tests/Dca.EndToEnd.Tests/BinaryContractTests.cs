using Dca.Testing;

namespace Dca.EndToEnd.Tests;

/// <summary>ARCHITECTURE.md "Contracts that stay stable": each binary's --version, --help and option errors.</summary>
public class BinaryContractTests
{
    public static TheoryData<string> Binaries => new() { "dca", "dca-node", "dca-sim" };

    [Theory]
    [MemberData(nameof(Binaries))]
    public async Task Version_PrintsNameAndVersion(string binary)
    {
        var (code, stdout, stderr) = await NativeProcess.RunAsync(binary, ["--version"]);

        Assert.Equal(0, code);
        Assert.Matches($"^{binary} \\d+\\.\\d+\\.\\d+\\S* \\(.NET .*, linux-x64, native\\)$", stdout.Trim());
        Assert.Equal("", stderr);
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public async Task Help_ListsOptionsAndExitsZero(string binary)
    {
        var (code, stdout, _) = await NativeProcess.RunAsync(binary, ["--help"]);

        Assert.Equal(0, code);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.Contains("DD_LOG_LEVEL", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public async Task Start_BadLogLevel_ExitsWithCode2AndOneLine(string binary)
    {
        var (code, stdout, stderr) = await NativeProcess.RunAsync(binary, [], new Dictionary<string, string> { ["DD_LOG_LEVEL"] = "loud" });

        Assert.Equal(2, code);
        Assert.Equal($"{binary}: invalid DD_LOG_LEVEL=\"loud\": expected one of trace, debug, info, warn, warning, error, critical, off", stderr.Trim());
        Assert.Equal("", stdout);
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public async Task Start_UnknownFlag_ExitsWithCode2(string binary)
    {
        var (code, _, stderr) = await NativeProcess.RunAsync(binary, ["--no-such-flag", "x"]);

        Assert.Equal(2, code);
        Assert.Equal($"{binary}: unknown flag --no-such-flag (see --help)", stderr.Trim());
    }
}
