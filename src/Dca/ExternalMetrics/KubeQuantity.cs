using System.Globalization;

namespace Dca.ExternalMetrics;

/// <summary>
/// A metric value as a Kubernetes Quantity string, the form <c>ExternalMetricValue.value</c> takes: whole numbers
/// as they are (<c>15</c>), others in thousandths (<c>1500m</c> for 1.5, as the custom-metrics apiserver writes a
/// milli-quantity), rounded half away from zero to the nearest thousandth.
/// </summary>
public static class KubeQuantity
{
    public static string Format(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "a quantity is finite");
        }
        var milli = Math.Round(value * 1000, MidpointRounding.AwayFromZero);
        if (Math.Abs(milli) >= 9.2e18)
        {
            // Beyond a milli-quantity's range: whole units in exponent-free form.
            return Math.Round(value).ToString("F0", CultureInfo.InvariantCulture);
        }
        var m = (long)milli;
        return m % 1000 == 0
            ? (m / 1000).ToString(CultureInfo.InvariantCulture)
            : m.ToString(CultureInfo.InvariantCulture) + "m";
    }
}
