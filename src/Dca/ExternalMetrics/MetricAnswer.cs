namespace Dca.ExternalMetrics;

/// <summary>
/// A backend's answer to one external-metric query: a value, or why there is none (unknown: 404, stale or failing: 500,
/// a question the backend cannot express: 400).
/// </summary>
public sealed record MetricAnswer(double? Result, DateTimeOffset Timestamp, int Series, bool IsStale, string? Error, bool IsInvalid = false)
{
    public static MetricAnswer Value(double value, DateTimeOffset timestamp, int series) => new(value, timestamp, series, false, null);

    public static MetricAnswer Unknown(string why) => new(null, default, 0, false, why);

    public static MetricAnswer Stale(string why) => new(null, default, 0, true, why);

    public static MetricAnswer Invalid(string why) => new(null, default, 0, false, why, IsInvalid: true);
}
