using Dca.Protocol.Intake;

namespace Dca.Node.Checks;

/// <summary>What one run of a check produced: its service checks and its metric samples.</summary>
public sealed record CheckResult(IReadOnlyList<ServiceCheck> ServiceChecks, IReadOnlyList<MetricSample> Samples);
