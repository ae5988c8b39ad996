using System.Diagnostics;
using System.Globalization;
using System.Text;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;
using PhaseFieldLi.Simulations;

namespace PhaseFieldLi.Diagnostics;

/// <summary>
/// The largest pointwise difference of one field between two backends, in SI units. Tested = false:
/// shown, but not held against the tolerance (φ inside the metal, see <see cref="BackendComparison"/>).
/// </summary>
public sealed record FieldDifference(string Field, string Unit, double MaxAbsDifference, double MaxAbs, bool Tested = true)
{
    /// <summary>max |a − b| / max |a| (0 where the field is zero everywhere).</summary>
    public double Relative => MaxAbs > 0 ? MaxAbsDifference / MaxAbs : MaxAbsDifference;
}

/// <summary>One backend's run of a comparison: wall time and the fields it ended with (SI units).</summary>
public sealed record RunOnBackend(string Backend, string Device, double WallSeconds, int Steps, double TimeS,
    IReadOnlyDictionary<string, (float[] Values, string Unit)> Fields);

/// <summary>
/// Runs the first steps of one case on two backends (a GPU against the host backend, say) and
/// compares the fields they end with, cell by cell, in SI units. Every physics is covered:
/// electrodeposition and coupled runs take <c>steps</c> time steps (coupled runs also compare the
/// displacement and the damage), fracture runs take <c>steps</c> load steps. Both runs write their
/// normal output under <c>outputRoot/&lt;backend&gt;</c>, so they can be opened side by side.
/// φ is compared in the electrolyte (ξ &lt; ½ in both runs), where charge conservation determines it.
/// Inside the Li metal the ionic conductivity is only σ_min, so φ there is set by a regularisation. A
/// relative residual of 1e-5 leaves it uncertain to about 1e-3 of its range: on the quickstart after 30
/// steps, the default tolerances against 1e-8 differ by 8.8e-4 of max |φ| in the metal and by 1.9e-6 in
/// the electrolyte. That row is shown, not tested. The metal's own potential, the cell voltage, is tested.
/// </summary>
public sealed record BackendComparison(string Case, int Steps, RunOnBackend A, RunOnBackend B, IReadOnlyList<FieldDifference> Fields)
{
    public double MaxRelative => Fields.Where(f => f.Tested).Select(f => f.Relative).DefaultIfEmpty(0).Max();

    public static BackendComparison Run(Case c, string backendA, string backendB, int steps, string outputRoot)
    {
        var limited = c with { Time = c.Time with { MaxSteps = steps } };
        var a = RunOne(limited, backendA, Path.Combine(outputRoot, backendA), "--against");
        var b = RunOne(limited, backendB, Path.Combine(outputRoot, backendB));
        var diffs = new List<FieldDifference>();
        foreach (var (name, (va, unit)) in a.Fields)
        {
            var vb = b.Fields[name].Values;
            if (name == "phi")
            {
                var xa = a.Fields["xi"].Values;
                var xb = b.Fields["xi"].Values;
                bool Electrolyte(int n) => xa[n] < 0.5f && xb[n] < 0.5f;
                diffs.Add(Difference("phi, electrolyte (ξ < ½)", unit, va, vb, Electrolyte, tested: true));
                diffs.Add(Difference("phi, in the metal (ξ ≥ ½; σ_min only, not tested)", unit, va, vb, n => !Electrolyte(n), tested: false));
            }
            else diffs.Add(Difference(name, unit, va, vb, _ => true, tested: true));
        }
        return new BackendComparison(c.Name, steps, a, b, diffs);
    }

    private static FieldDifference Difference(string name, string unit, float[] va, float[] vb, Func<int, bool> where, bool tested)
    {
        double d = 0, m = 0;
        for (int n = 0; n < va.Length; n++)
        {
            if (!where(n)) continue;
            d = Math.Max(d, Math.Abs((double)va[n] - vb[n]));
            m = Math.Max(m, Math.Abs((double)va[n]));
        }
        return new FieldDifference(name, unit, d, m, tested);
    }

    private static RunOnBackend RunOne(Case c, string backendName, string output, string option = "--backend")
    {
        using var backend = Backends.BackendCatalog.Create(backendName, option: option);
        using var model = new ElectrodepositionModel(c, backend);
        var fields = new Dictionary<string, (float[], string)>();
        var wall = Stopwatch.StartNew();
        int steps;
        double time;
        FractureModel? mechanics = null;
        try
        {
            if (c.Physics == Physics.Fracture)
            {
                mechanics = new FractureModel(model);
                var rows = new FractureSimulation(model, mechanics, output).Run();
                steps = rows.Count;
                time = rows.Count > 0 ? rows[^1].TimeS : 0;
            }
            else
            {
                if (c.Physics == Physics.Coupled)
                {
                    mechanics = new FractureModel(model);
                    mechanics.EnableGrowthStrain();
                    model.CoupleMechanics(mechanics);
                }
                var summary = new Simulation(model, output) { Mechanics = mechanics }.Run();
                steps = summary.Steps;
                time = summary.TimeS;
                fields["xi"] = (model.State.Xi.ToArray(), "1");
                fields["phi"] = (Scaled(model.State.Phi.ToArray(), model.Scaling.ThermalVoltageV), "V");
                fields["cell_voltage"] = ([(float)model.CellVoltageV], "V");
            }
            backend.Synchronize();
            wall.Stop();
            if (mechanics != null)
            {
                fields["damage"] = (model.State.Damage.ToArray(), "1");
                fields["u"] = (Scaled(mechanics.Displacement.ToArray(), model.Scaling.SpacingM), "m");
                fields["von_mises"] = (Scaled(mechanics.VonMises.ToArray(), mechanics.StressUnitPa), "Pa");
            }
        }
        finally
        {
            mechanics?.Dispose();
        }
        return new RunOnBackend(backend.Name, backend.Device, wall.Elapsed.TotalSeconds, steps, time, fields);
    }

    private static float[] Scaled(float[] a, double s)
    {
        for (int n = 0; n < a.Length; n++) a[n] = (float)(a[n] * s);
        return a;
    }

    public string Table()
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.Append(inv, $"case {Case}: {A.Backend} ({A.Device}) {A.Steps} steps to t = {A.TimeS:G6} s in {A.WallSeconds:F2} s; ")
         .Append(inv, $"{B.Backend} ({B.Device}) {B.Steps} steps to t = {B.TimeS:G6} s in {B.WallSeconds:F2} s\n");
        s.Append("| field | unit | max |a − b| | max |a| | relative |\n|---|---|---|---|---|\n");
        foreach (var f in Fields)
            s.Append(inv, $"| {f.Field} | {f.Unit} | {f.MaxAbsDifference:G4} | {f.MaxAbs:G4} | {f.Relative:G3} |\n");
        return s.ToString();
    }
}
