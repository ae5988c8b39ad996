using System.Diagnostics;
using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Diagnostics;

/// <summary>
/// The whole electrodeposition step of a case on one backend, held against the device's own memory
/// copy in the same run. Two views:
/// - the step: T_eff counts the bytes a step must move at least (ξ and φ read and written, d and
///   material read: 24 B per cell), against the memcpy bandwidth (and a one-float-per-thread copy
///   kernel, which on GPUs reaches about half of memcpy);
/// - the linear iteration (the MG-CG iteration of the potential solve, where the step spends its
///   time): its time (the potential solve's time over its linear iterations, so the Newton
///   assembly, residuals and galvanostat sums are included), its counted bytes per cell
///   (<see cref="Solvers.ConjugateGradient.CountedBytesPerIteration"/>), the time those bytes take at
///   memcpy speed (the floor) and the fraction of the floor reached;
/// and what the host asked per step: launches, syncs (waits for a device result) and transfers.
/// </summary>
public sealed record StepBenchmarkResult(string Backend, string Device, int Cells, int Steps, double SecondsPerStep,
    double CellUpdatesPerSecond, double EffectiveGBps, double CopyGBps, double MemcpyGBps,
    double NewtonPerStep, double LinearPerStep, double SecondsPerLinear, double BytesPerCellPerLinear,
    double LaunchesPerStep, double SyncsPerStep, double TransfersPerStep, int UnconvergedSolves)
{
    public const int MinimumBytesPerCell = 24;

    /// <summary>Time per kernel over the timed steps (PHASEFIELD_PROFILE=1 on ILGPU backends; else empty).</summary>
    public IReadOnlyDictionary<string, (long Launches, double Seconds)> KernelTimes { get; init; } =
        new Dictionary<string, (long, double)>();

    public double FractionOfMemcpy => EffectiveGBps / MemcpyGBps;

    /// <summary>Time one linear iteration would take at memcpy speed [s].</summary>
    public double LinearFloorSeconds => BytesPerCellPerLinear * Cells / (MemcpyGBps * 1e9);

    public string Table() =>
        "| backend | device | cells | s/step | cell-updates/s | T_eff GB/s | memcpy GB/s | copy kernel GB/s | T_eff/memcpy |\n" +
        "|---|---|---|---|---|---|---|---|---|\n" +
        $"| {Backend} | {Device} | {Cells} | {SecondsPerStep:G3} | {CellUpdatesPerSecond:G3} | {EffectiveGBps:G3} | {MemcpyGBps:G3} | {CopyGBps:G3} | {FractionOfMemcpy:P2} |\n\n" +
        "| Newton its/step | unconverged solves | linear its/step | ms/linear it | B/cell per linear it | floor ms | of floor | launches/step | syncs/step | transfers/step |\n" +
        "|---|---|---|---|---|---|---|---|---|---|\n" +
        $"| {NewtonPerStep:G3} | {UnconvergedSolves} of {2 * Steps} | {LinearPerStep:G3} | {SecondsPerLinear * 1e3:G3} | {BytesPerCellPerLinear:F0} | " +
        $"{LinearFloorSeconds * 1e3:G3} | {LinearFloorSeconds / SecondsPerLinear:P1} | {LaunchesPerStep:F0} | {SyncsPerStep:F0} | {TransfersPerStep:F0} |";

    public static StepBenchmarkResult Run(Case c, Backend backend, int steps, int warmup = 2)
    {
        using var model = new ElectrodepositionModel(c, backend);
        double current = c.Electrochemistry.CurrentDensityAt(0) * c.Grid.CrossSectionM2;
        double potentialSeconds = 0;
        int newton = 0, linear = 0, unconverged = 0;
        var clock = new Stopwatch();
        void Step(bool timePotential)
        {
            if (timePotential)
            {
                backend.Synchronize();
                clock.Restart();
            }
            var p = model.SolvePotential(current);
            if (!p.Converged) unconverged++;
            if (timePotential)
            {
                backend.Synchronize();
                potentialSeconds += clock.Elapsed.TotalSeconds;
                newton += p.NewtonIterations;
                linear += p.LinearIterations;
            }
            var r = model.ComputeRates();
            model.AdvanceLiPhase(Math.Min(c.Time.MaxStepS, c.Time.MaxXiChangePerStep / Math.Max(r.MaxRatePerS, 1e-30)));
            model.UpdateBodies();
        }
        for (int n = 0; n < warmup; n++) Step(false);
        backend.Synchronize();
        backend.ResetKernelTimes(); // the profile (if on) leaves out kernel compilation and the warm-up
        unconverged = 0;
        var before = backend.Counts.Now;
        var sw = Stopwatch.StartNew();
        for (int n = 0; n < steps; n++) Step(false);
        backend.Synchronize();
        double perStep = sw.Elapsed.TotalSeconds / steps;
        var after = backend.Counts.Now;
        // The same number of steps again with the potential solve timed on its own (two more syncs a step).
        var profile = backend.KernelTimes.ToDictionary(kv => kv.Key, kv => kv.Value);
        for (int n = 0; n < steps; n++) Step(true);

        int cells = c.Grid.CellCount;
        using var x = backend.Float("copy_x", cells);
        using var y = backend.Float("copy_y", cells);
        double copyGBps = Bandwidth(backend, cells, () => model.Ops.Copy(x, y));
        double memcpyGBps = Bandwidth(backend, cells, () => backend.CopyField(x, y));

        return new StepBenchmarkResult(backend.Name, backend.Device, cells, steps, perStep, cells / perStep,
            MinimumBytesPerCell * (double)cells / perStep / 1e9, copyGBps, memcpyGBps,
            (double)newton / steps, (double)linear / steps, potentialSeconds / Math.Max(1, linear),
            model.PotentialBytesPerLinearIteration / cells,
            (double)(after.Launches - before.Launches) / steps, (double)(after.Syncs - before.Syncs) / steps,
            (double)(after.Transfers - before.Transfers) / steps, unconverged) { KernelTimes = profile };
    }

    /// <summary>GB/s of a copy of `cells` floats (8 B per cell moved), after one warm-up copy: batches of copies until 0.2 s have passed.</summary>
    private static double Bandwidth(Backend backend, int cells, Action copy)
    {
        copy();
        backend.Synchronize();
        int batch = Math.Max(5, (int)Math.Min(1e4, 2e7 / Math.Max(cells, 1))), reps = 0;
        var sw = Stopwatch.StartNew();
        do
        {
            for (int n = 0; n < batch; n++) copy();
            backend.Synchronize();
            reps += batch;
        } while (sw.Elapsed.TotalSeconds < 0.2);
        return 8.0 * cells * reps / sw.Elapsed.TotalSeconds / 1e9;
    }
}
