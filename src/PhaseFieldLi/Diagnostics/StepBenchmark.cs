using System.Diagnostics;
using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Diagnostics;

/// <summary>
/// The whole coupled step of a case on one backend, held against a copy kernel on the same device
/// in the same run (the ParallelStencil.jl metric). T_eff counts the bytes a step must move at
/// least: the evolving and solved fields read and written (ξ, φ: 2 × 8 B) and the static fields
/// read once (d, material: 8 B) = 24 B per cell; the copy moves 8 B per cell.
/// </summary>
public sealed record StepBenchmarkResult(string Backend, string Device, int Cells, int Steps, double SecondsPerStep,
    double CellUpdatesPerSecond, double EffectiveGBps, double CopyGBps)
{
    public const int MinimumBytesPerCell = 24;

    public double FractionOfCopy => EffectiveGBps / CopyGBps;

    public string Table() =>
        "| backend | device | cells | s/step | cell-updates/s | T_eff GB/s | copy GB/s | T_eff/copy |\n" +
        "|---|---|---|---|---|---|---|---|\n" +
        $"| {Backend} | {Device} | {Cells} | {SecondsPerStep:G3} | {CellUpdatesPerSecond:G3} | {EffectiveGBps:G3} | {CopyGBps:G3} | {FractionOfCopy:P2} |";

    public static StepBenchmarkResult Run(Case c, Backend backend, int steps, int warmup = 2)
    {
        using var model = new ElectrodepositionModel(c, backend);
        double current = c.Electrochemistry.CurrentDensityAt(0) * c.Grid.CrossSectionM2;
        void Step()
        {
            model.SolvePotential(current);
            var r = model.ComputeRates();
            model.AdvanceLiPhase(Math.Min(c.Time.MaxStepS, c.Time.MaxXiChangePerStep / Math.Max(r.MaxRatePerS, 1e-30)));
            model.UpdateBodies();
        }
        for (int n = 0; n < warmup; n++) Step();
        backend.Synchronize();
        var sw = Stopwatch.StartNew();
        for (int n = 0; n < steps; n++) Step();
        backend.Synchronize();
        double perStep = sw.Elapsed.TotalSeconds / steps;

        // Copy bandwidth on the same device, same array size.
        int cells = c.Grid.CellCount;
        using var x = backend.Float("copy_x", cells);
        using var y = backend.Float("copy_y", cells);
        model.Ops.Copy(x, y);
        backend.Synchronize();
        int reps = Math.Max(5, (int)(2e8 / Math.Max(cells, 1)));
        sw.Restart();
        for (int n = 0; n < reps; n++) model.Ops.Copy(x, y);
        backend.Synchronize();
        double copyGBps = 8.0 * cells * reps / sw.Elapsed.TotalSeconds / 1e9;

        return new StepBenchmarkResult(backend.Name, backend.Device, cells, steps, perStep, cells / perStep,
            MinimumBytesPerCell * (double)cells / perStep / 1e9, copyGBps);
    }
}
