using System.Text.Json.Serialization;

namespace Dca.Protocol;

/// <summary>
/// The <c>GET /version</c> body: a Go struct without JSON tags, so the keys are capitalised
/// (<c>{"Major":7,"Minor":60,"Patch":0,"Pre":"","Meta":"","Commit":"abc"}</c>, PROTOCOL.md §1.3).
/// </summary>
public sealed record AgentVersion(
    [property: JsonPropertyName("Major")] long Major,
    [property: JsonPropertyName("Minor")] long Minor,
    [property: JsonPropertyName("Patch")] long Patch,
    [property: JsonPropertyName("Pre")] string Pre,
    [property: JsonPropertyName("Meta")] string Meta,
    [property: JsonPropertyName("Commit")] string Commit)
{
    /// <summary>
    /// The Datadog cluster-agent version we answer with. Node agents gate features on it (PROTOCOL.md §2):
    /// ≥ 1.3 selects per-node pod tags, "major ≥ 7 and minor ≥ 55" enables namespace metadata, and 0.0.0
    /// means "not initialised". We implement the 7.60 protocol, so we report 7.60.0 and carry our own
    /// product version in <see cref="Meta"/>.
    /// </summary>
    public static AgentVersion Compatible(string productVersion, string commit) =>
        new(7, 60, 0, "", "dca." + productVersion.Split('+')[0], commit);

    public override string ToString() =>
        // Pre and Meta are null when an agent's answer leaves them out (or sends null): the reader does not enforce the annotations.
        $"{Major}.{Minor}.{Patch}{(Pre is { Length: > 0 } ? "-" + Pre : "")}{(Meta is { Length: > 0 } ? "+" + Meta : "")}";
}
