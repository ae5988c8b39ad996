using System.Diagnostics;
using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;
using PhaseFieldLi.Solvers;

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
/// A coupled case's step also runs the mechanics (loads, staggered u–d); its elastic MG-CG is then
/// timed on its own (<see cref="MechanicsBenchmark"/>). Field memory: the peak bytes of all fields
/// the run allocated, per cell.
/// </summary>
public sealed record StepBenchmarkResult(string Backend, string Device, int Cells, int Steps, double SecondsPerStep,
    double CellUpdatesPerSecond, double EffectiveGBps, double CopyGBps, double MemcpyGBps,
    double NewtonPerStep, double LinearPerStep, double SecondsPerLinear, double BytesPerCellPerLinear,
    double LaunchesPerStep, double SyncsPerStep, double TransfersPerStep, int UnconvergedSolves)
{
    public const int MinimumBytesPerCell = 24;

    /// <summary>Peak bytes of the run's fields (every array it allocated, the benchmark's own copies excluded) per cell.</summary>
    public double FieldBytesPerCell { get; init; }

    /// <summary>The coupled case's mechanics, or null.</summary>
    public MechanicsBenchmark? Mechanics { get; init; }

    /// <summary>Field memory of the same case on a grid of this many cells [GB] (the per-cell bytes scaled; coarse levels included).</summary>
    public double FieldGBAt(long cells) => FieldBytesPerCell * cells / 1e9;

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
        $"{LinearFloorSeconds * 1e3:G3} | {LinearFloorSeconds / SecondsPerLinear:P1} | {LaunchesPerStep:F0} | {SyncsPerStep:F0} | {TransfersPerStep:F0} |\n\n" +
        "| field memory B/cell | GB at 512×512×1024 |\n|---|---|\n" +
        $"| {FieldBytesPerCell:F0} | {FieldGBAt(512L * 512 * 1024):G3} |" +
        (Mechanics is { } m ? "\n\n" + m.Table() : "");

    public static StepBenchmarkResult Run(Case c, Backend backend, int steps, int warmup = 2)
    {
        if (c.Physics == Physics.Fracture)
            throw new CaseException("physics", "\"fracture\"", "the benchmark times the electrodeposition or coupled step; a fracture case has no time step to time");
        using var model = new ElectrodepositionModel(c, backend);
        using var mechanics = c.Physics == Physics.Coupled ? new FractureModel(model) : null;
        if (mechanics != null)
        {
            mechanics.EnableGrowthStrain();
            model.CoupleMechanics(mechanics);
        }
        double current = c.Electrochemistry.CurrentDensityAt(0) * c.Grid.CrossSectionM2;
        double potentialSeconds = 0, timeS = 0;
        int newton = 0, linear = 0, unconverged = 0, stagger = 0;
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
            double dt = Math.Min(c.Time.MaxStepS, c.Time.MaxXiChangePerStep / Math.Max(r.MaxRatePerS, 1e-30));
            model.AdvanceLiPhase(dt);
            model.UpdateBodies();
            timeS += dt;
            if (mechanics == null) return;
            mechanics.SetLoad(timeS);
            stagger += mechanics.Stagger().Iterations;
        }
        for (int n = 0; n < warmup; n++) Step(false);
        backend.Synchronize();
        backend.ResetKernelTimes(); // the profile (if on) leaves out kernel compilation and the warm-up
        unconverged = 0;
        stagger = 0;
        var before = backend.Counts.Now;
        var sw = Stopwatch.StartNew();
        for (int n = 0; n < steps; n++) Step(false);
        backend.Synchronize();
        double perStep = sw.Elapsed.TotalSeconds / steps;
        var after = backend.Counts.Now;
        int staggerTimed = stagger;
        // The same number of steps again with the potential solve timed on its own (two more syncs a step).
        var profile = backend.KernelTimes.ToDictionary(kv => kv.Key, kv => kv.Value);
        for (int n = 0; n < steps; n++) Step(true);
        var elastic = mechanics == null ? null : MechanicsBenchmark.Run(backend, mechanics, (double)staggerTimed / steps);
        double fieldBytes = backend.Counts.PeakFieldBytes;

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
            (double)(after.Transfers - before.Transfers) / steps, unconverged)
        {
            KernelTimes = profile, FieldBytesPerCell = fieldBytes / cells, Mechanics = elastic,
        };
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

/// <summary>
/// A coupled step's mechanics: staggered u–d iterations per step, and one elastic MG-CG solve from
/// u = 0 with the last system (its set-up reused) — iterations, time per iteration, launches and
/// syncs per iteration.
/// </summary>
public sealed record MechanicsBenchmark(double StaggerPerStep, int Dofs, int Levels, string Preconditioner, SolveReport Solve,
    double SecondsPerIteration, double LaunchesPerIteration, double SyncsPerIteration)
{
    public static MechanicsBenchmark Run(Backend backend, FractureModel mechanics, double staggerPerStep)
    {
        mechanics.ResolveDisplacementFromZero(); // warm: every level's kernels compiled
        backend.Synchronize();
        var before = backend.Counts.Now;
        var sw = Stopwatch.StartNew();
        var report = mechanics.ResolveDisplacementFromZero();
        backend.Synchronize();
        double seconds = sw.Elapsed.TotalSeconds;
        var after = backend.Counts.Now;
        int its = Math.Max(1, report.Iterations);
        return new MechanicsBenchmark(staggerPerStep, mechanics.Displacement.Length, mechanics.ElasticLevels,
            mechanics.ElasticPreconditionerDescription, report, seconds / its,
            (double)(after.Launches - before.Launches) / its, (double)(after.Syncs - before.Syncs) / its);
    }

    public string Table() =>
        "| stagger its/step | elastic dofs | preconditioner | elastic solve from u = 0 | ms/elastic it | launches/it | syncs/it |\n" +
        "|---|---|---|---|---|---|---|\n" +
        $"| {StaggerPerStep:G3} | {Dofs} | {Preconditioner} ({Levels} levels) | {Solve.Iterations} its, {(Solve.Converged ? "converged" : "NOT converged")} " +
        $"({Solve.RelativeResidual:E1}) | {SecondsPerIteration * 1e3:G3} | {LaunchesPerIteration:F0} | {SyncsPerIteration:F0} |";
}
