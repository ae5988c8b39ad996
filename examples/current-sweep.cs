#!/usr/bin/env -S dotnet run
// PhaseFieldLi as a library: a current-density sweep of the quickstart cell, driven from C#.
//
//   dotnet run examples/current-sweep.cs [OUTPUT]      (from the repository root; .NET 10 SDK)
//
// Each run reads cases/quickstart.toml with two overrides (validated as the file is, recorded in the
// outputs' provenance), runs 300 s of it on the host CPU backend into OUTPUT/j=<value>/ (default
// runs/example-sweep), counts its steps through the StepCompleted event, and then reads its
// timeseries.csv back: the Li plated at the negative electrode against Faraday's law.
#:project ../src/PhaseFieldLi/PhaseFieldLi.csproj
#:property InvariantGlobalization=true

using System.Globalization;
using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;
using PhaseFieldLi.Simulations;

string root = args.Length > 0 ? args[0] : Path.Combine("runs", "example-sweep");
Console.WriteLine("j [A/m²]  steps  cell voltage [mV]  Li plated at the negative electrode [µm³]  Faraday's law [µm³]");
foreach (double j in new[] { 10.0, 20.0, 40.0 })
{
    string jText = j.ToString("R", CultureInfo.InvariantCulture);
    Case c = CaseReader.ReadFile(Path.Combine("cases", "quickstart.toml"),
        ["time.end=300", $"electrochemistry.current_density={jText}"]);
    using Backend backend = BackendCatalog.Create("cpu");
    using var model = new ElectrodepositionModel(c, backend);
    string output = Path.Combine(root, $"j={jText}");
    var simulation = new Simulation(model, output);
    int steps = 0;
    simulation.StepCompleted += state => steps++;
    RunSummary summary = simulation.Run();

    // The time series as any reader sees it: a header row, then one row per step, SI units.
    string[] lines = File.ReadAllLines(Path.Combine(output, "timeseries.csv"));
    string[] header = lines[0].Split(',');
    double Column(string line, string name) =>
        double.Parse(line.Split(',')[Array.IndexOf(header, name)], CultureInfo.InvariantCulture);
    double voltage = Column(lines[^1], "cell_voltage_V");
    double plated = Column(lines[^1], "negative_li_volume_m3") - Column(lines[1], "negative_li_volume_m3");
    double elapsedS = Column(lines[^1], "time_s") - Column(lines[1], "time_s");
    double areaM2 = c.Grid.Nx * c.Grid.Ny * c.Grid.SpacingM * c.Grid.SpacingM;
    double faraday = j * areaM2 * elapsedS * c.Electrochemistry.MolarVolumeM3PerMol / 96485.33212; // ΔV = j A Δt V_m / F
    Console.WriteLine($"{j,8:G3}  {steps,5}  {voltage * 1e3,17:F3}  {plated * 1e18,42:F2}  {faraday * 1e18,19:F2}");
}
