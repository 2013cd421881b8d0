namespace Dca.ClusterChecks;

/// <summary>Why a check configuration was not used: reported in logs, metrics and <c>dca status</c>, never fatal.</summary>
/// <param name="Origin">Where it was declared: <c>service default/web annotation ad.datadoghq.com/service.checks</c>, a file path.</param>
/// <param name="Message">What is wrong, in words an operator can act on.</param>
public sealed record ConfigProblem(string Origin, string Message)
{
    public override string ToString() => $"{Origin}: {Message}";
}
