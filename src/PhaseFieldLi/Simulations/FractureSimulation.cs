using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PhaseFieldLi.Models;
using PhaseFieldLi.OutputWriters;

namespace PhaseFieldLi.Simulations;

/// <summary>One quasi-static load step of a fracture run, SI units.</summary>
public sealed record FractureRow(int Step, double TimeS, double CrackPressurePa, double CrackAreaM2, double CrackExtentM,
    double ElasticEnergyJ, double MaxVonMisesPa, int StaggerIterations, int ElasticIterations, double MaxDamageChange, bool Converged)
{
    public const string CsvHeader =
        "step,time_s,crack_pressure_Pa,crack_area_m2,crack_extent_m,elastic_energy_J,max_von_mises_Pa,stagger_iterations,elastic_iterations,max_damage_change,converged";

    public string ToCsv() => string.Join(',', Step.ToString(CultureInfo.InvariantCulture),
        TimeS.ToString("R", CultureInfo.InvariantCulture), CrackPressurePa.ToString("R", CultureInfo.InvariantCulture),
        CrackAreaM2.ToString("R", CultureInfo.InvariantCulture), CrackExtentM.ToString("R", CultureInfo.InvariantCulture),
        ElasticEnergyJ.ToString("R", CultureInfo.InvariantCulture), MaxVonMisesPa.ToString("R", CultureInfo.InvariantCulture),
        StaggerIterations.ToString(CultureInfo.InvariantCulture), ElasticIterations.ToString(CultureInfo.InvariantCulture),
        MaxDamageChange.ToString("R", CultureInfo.InvariantCulture), Converged ? "1" : "0");
}

/// <summary>
/// Quasi-static fracture (physics = "fracture"): load steps of [time] max_step up to [time] end; at
/// each the loads of that time are applied (the crack-pressure ramp) and the staggered u–d iteration
/// runs to its tolerance. Writes fracture.csv (one row per step) and HDF5 snapshots of d, H, the von
/// Mises stress, the pressure and u every output_interval.
/// </summary>
public sealed class FractureSimulation(ElectrodepositionModel electrochemistry, FractureModel model, string outputDirectory, ILogger? logger = null)
{
    private readonly ILogger _log = logger ?? NullLogger.Instance;
    private ElectrodepositionModel Electrochemistry => electrochemistry;
    private FractureModel Mechanics => model;

    public List<FractureRow> Rows { get; } = [];

    /// <summary>Wall-clock seconds after which the run stops cleanly after its current load step.</summary>
    public double WallTimeLimitS { get; init; } = double.PositiveInfinity;

    /// <summary>Why the last <see cref="Run"/> stopped.</summary>
    public LoopEnd End { get; private set; }

    public IReadOnlyList<FractureRow> Run(CancellationToken cancel = default)
    {
        var c = electrochemistry.Case;
        Directory.CreateDirectory(outputDirectory);
        using var snapshots = Simulation.SnapshotWriter(electrochemistry, outputDirectory);
        bool root = electrochemistry.Partition.Rank == 0; // rank 0 writes fracture.csv; every rank its own fields
        var stepper = new LoadStepper(this);
        var loop = new TimeLoop(stepper, electrochemistry.Partition) { WallTimeLimitS = WallTimeLimitS };
        int snapshot = 0;
        loop.Callbacks.Add(new Callback("snapshot", Stage.State,
            new AnyOf(new TimeInterval(c.Time.OutputIntervalS, r => r.NextOutputS, (r, v) => r.NextOutputS = v, land: false, tolerance: 1e-12),
                new AtStep(stepper.LastStep)),
            r => WriteSnapshot(snapshots, snapshot++, r.Step, r.TimeS)));
        if (root)
            loop.Callbacks.Add(new Callback("fracture.csv", Stage.Step, new IterationInterval(1), _ =>
            {
                var csv = new StringBuilder(FractureRow.CsvHeader).Append('\n');
                foreach (var r in Rows) csv.Append(r.ToCsv()).Append('\n');
                AtomicFile.WriteText(Path.Combine(outputDirectory, "fracture.csv"), csv.ToString());
            }));
        End = loop.Run(new RunState(), cancel);
        return Rows;
    }

    /// <summary>
    /// Load step n at t = min(n Δt, end), Δt = [time] max_step, n = 0 … ⌈end/Δt⌉ (or max_steps): the
    /// loads of time t, then the staggered u–d iteration to its tolerance, and the row of the step.
    /// </summary>
    private sealed class LoadStepper(FractureSimulation sim) : IStepper
    {
        private readonly double _dt = sim.Electrochemistry.Case.Time.MaxStepS;
        private readonly Stopwatch _wall = Stopwatch.StartNew();

        public int LastStep { get; } = (int)Math.Min(sim.Electrochemistry.Case.Time.MaxSteps,
            Math.Ceiling(sim.Electrochemistry.Case.Time.EndS / sim.Electrochemistry.Case.Time.MaxStepS - 1e-9));

        public bool Finished(RunState st) => st.Step > LastStep;

        public void Solve(RunState st)
        {
            var model = sim.Mechanics;
            double t = Math.Min(st.Step * _dt, sim.Electrochemistry.Case.Time.EndS);
            st.TimeS = t;
            model.SetLoad(t);
            var report = model.Stagger();
            if (model.NonFiniteField() is { } bad)
                throw new WatchdogException($"NaN/Inf in field '{bad}' at load step {st.Step}, t = {t:G6} s");
            var (area, extent) = model.CrackSize();
            float maxVm = sim.Electrochemistry.Ops.MaxAbs(model.VonMises);
            var row = new FractureRow(st.Step, t, model.Settings.CrackPressureAt(t), area, extent, report.ElasticEnergyJ,
                maxVm * model.StressUnitPa, report.Iterations, report.LastElasticSolve.Iterations, report.MaxDamageChange, report.Converged);
            sim.Rows.Add(row);
            if (!report.Converged)
                sim._log.LogWarning("load step {Step}: staggered iteration not converged ({Iterations} iterations, max |Δd| {Change:G3}; elastic solve {Solve}; max |Δd| by iteration {History})",
                    st.Step, report.Iterations, report.MaxDamageChange, report.LastElasticSolve, report.ChangeHistory());
            sim._log.LogInformation("load step {Step}  t = {T:G4} s  p = {P:G4} MPa  crack area {A:G4} µm²  extent {E:G4} µm  stagger {S}  CG {Cg}  ({Wall:F1} s)",
                st.Step, t, row.CrackPressurePa / 1e6, area * 1e12, extent * 1e6, report.Iterations, report.LastElasticSolve.Iterations,
                _wall.Elapsed.TotalSeconds);
        }

        public double ChooseStep(RunState st, double landingTimeS) => _dt;

        public void Advance(RunState st, double dtS) => st.Step++;
    }

    private void WriteSnapshot(ISnapshotWriter writer, int index, int step, double t)
    {
        double unit = model.StressUnitPa;
        float[] Scaled(float[] a, double s)
        {
            for (int n = 0; n < a.Length; n++) a[n] = (float)(a[n] * s);
            return a;
        }
        // The owned cells of this process: on a rank's slab the planes between its ghost planes.
        var part = electrochemistry.Partition;
        var cells = part.Local;
        int k0 = part.OwnedFirst / cells.Plane, planes = (part.OwnedEnd - part.OwnedFirst) / cells.Plane;
        var u = model.Displacement.ToArray();
        var nodes = model.Nodes;
        var components = new float[3][];
        for (int c = 0; c < 3; c++)
        {
            var field = new float[planes * cells.Plane];
            for (int k = 0; k < planes; k++)
            for (int j = 0; j < cells.Ny; j++)
            for (int i = 0; i < cells.Nx; i++)
            {
                double sum = 0;
                for (int a = 0; a < 8; a++)
                    sum += u[nodes.Index(i + (a & 1), j + ((a >> 1) & 1), k0 + k + (a >> 2)) + c * nodes.Count];
                field[cells.Index(i, j, k)] = (float)(sum / 8 * electrochemistry.Grid.SpacingM);
            }
            components[c] = field;
        }
        float[] Owned(Fields.Field<float> f) => Simulation.Owned(part, f);
        var fields = new List<SnapshotField>
        {
            new("damage", Owned(electrochemistry.State.Damage), "1", "LLZO damage d (1 = cracked)"),
            new("history", Scaled(Owned(model.History), unit), "J/m3", "history H = max psi+ of the intact LLZO"),
            new("von_mises", Scaled(Owned(model.VonMises), unit), "Pa", "von Mises stress"),
            new("pressure", Scaled(Owned(model.Pressure), unit), "Pa", "pressure -tr(sigma)/3"),
            new("energy_density", Scaled(Owned(model.EnergyDensity), unit), "J/m3", "stored elastic energy density psi"),
            new("ux", components[0], "m", "displacement x (mean of the cell's corners)"),
            new("uy", components[1], "m", "displacement y"),
            new("uz", components[2], "m", "displacement z"),
            new("xi", Owned(electrochemistry.State.Xi), "1", "Li metal phase fraction (1 = Li)"),
        };
        string path = writer.Write(new Snapshot(index, step, t, fields));
        _log.LogInformation("snapshot {Index} at t = {T:G4} s → {Path}", index, t, path);
    }
}
