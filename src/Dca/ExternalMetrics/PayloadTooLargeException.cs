namespace Dca.ExternalMetrics;

/// <summary>A payload larger than the route takes (answered 413, where other <see cref="FormatException"/>s are 400).</summary>
public sealed class PayloadTooLargeException : FormatException
{
    public PayloadTooLargeException()
    {
    }

    public PayloadTooLargeException(string message)
        : base(message)
    {
    }

    public PayloadTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
