using System.Globalization;

namespace Dca.Sim.Api;

/// <summary>Ages as kubectl prints them (apimachinery's <c>duration.HumanDuration</c>).</summary>
internal static class HumanDuration
{
    public static string Format(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 60 * 2)
        {
            return F(seconds, "s");
        }
        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? F(minutes, "m") : F(minutes, "m") + F(s, "s");
        }
        if (minutes < 60 * 3)
        {
            return F(minutes, "m");
        }
        var hours = minutes / 60;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? F(hours, "h") : F(hours, "h") + F(m, "m");
        }
        if (hours < 48)
        {
            return F(hours, "h");
        }
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? F(hours / 24, "d") : F(hours / 24, "d") + F(h, "h");
        }
        if (hours < 24 * 365 * 2)
        {
            return F(hours / 24, "d");
        }
        if (hours < 24 * 365 * 8)
        {
            var days = hours / 24 % 365;
            return days == 0 ? F(hours / 24 / 365, "y") : F(hours / 24 / 365, "y") + F(days, "d");
        }
        return F(hours / 24 / 365, "y");
    }

    private static string F(long value, string unit) => value.ToString(CultureInfo.InvariantCulture) + unit;
}
