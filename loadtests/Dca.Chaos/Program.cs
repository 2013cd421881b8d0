using System.Globalization;
using Dca.Chaos;

// dotnet run --project loadtests/Dca.Chaos -- [--window S] [--recovery S] [--faults "5xx burst,latency"] [--out report.md] [--logs DIR]
// (DCA_NATIVE_DIR names the native binaries; loadtests/chaos.sh sets it.) Exit code 1 when a cell failed.
var window = TimeSpan.FromSeconds(10);
var recovery = TimeSpan.FromSeconds(180);
IEnumerable<Fault> faults = Fault.All;
string? output = null;
string? logs = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--window":
            window = TimeSpan.FromSeconds(int.Parse(args[i + 1], CultureInfo.InvariantCulture));
            break;
        case "--recovery":
            recovery = TimeSpan.FromSeconds(int.Parse(args[i + 1], CultureInfo.InvariantCulture));
            break;
        case "--faults":
            var names = args[i + 1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var unknown = names.Where(n => Fault.All.All(f => f.Name != n)).ToList();
            if (unknown.Count > 0)
            {
                Console.Error.WriteLine($"unknown fault(s): {string.Join(", ", unknown)}; known: {string.Join(", ", Fault.All.Select(f => f.Name))}");
                return 2;
            }
            faults = Fault.All.Where(f => names.Contains(f.Name)).ToList();
            break;
        case "--out":
            output = args[i + 1];
            break;
        case "--logs":
            logs = args[i + 1];
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

await using var fleet = await Fleet.StartAsync();
List<Cell> cells;
try
{
    cells = await new Matrix(fleet, window, recovery, Console.Error).RunAsync(faults);
}
finally
{
    if (logs is not null)
    {
        await fleet.SaveLogsAsync(logs);
    }
}
var report = Matrix.Report(cells, window, recovery);
Console.Write(report);
if (output is not null)
{
    await File.WriteAllTextAsync(output, report);
}
return cells.All(c => c.Passed) ? 0 : 1;
