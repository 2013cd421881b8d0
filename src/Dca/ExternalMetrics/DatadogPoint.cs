namespace Dca.ExternalMetrics;

/// <summary>One query's answer from the Datadog query API: a value and its time, or why there is none.</summary>
public readonly record struct DatadogPoint(double Value, DateTimeOffset Timestamp, string? Error)
{
    public bool IsValid => Error is null;

    public static DatadogPoint Failed(string why, DateTimeOffset at) => new(0, at, why);
}
