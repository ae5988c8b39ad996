using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Models;
using PhaseFieldLi.OutputWriters;

namespace PhaseFieldLi.Simulations;

/// <summary>A watchdog stopped the run: the numbers went bad. The last periodic checkpoint is kept.</summary>
public sealed class WatchdogException(string message) : Exception("watchdog: " + message);

/// <summary>What a finished (or stopped) run reports.</summary>
public sealed record RunSummary(int Steps, double TimeS, double WallSeconds, double CellUpdatesPerSecond,
    bool Cancelled, string OutputDirectory, IReadOnlyList<DiagnosticsRow> Rows, int UnconvergedSolves)
{
    /// <summary>Whether the negative electrode grew a tip in this run (<see cref="Simulation.HasTip"/>).</summary>
    public bool HasTip { get; init; }
}

/// <summary>
/// The time loop. One step: SolvePotential → ComputeRates → (diagnostics) → AdvanceLiPhase →
/// UpdateBodies, with Δt = min(max_step, capillary stability limit, max_dxi / max|∂ξ/∂t|, time to
/// the next output or schedule change). Snapshots go out every output_interval of simulated time.
/// </summary>
public sealed class Simulation(ElectrodepositionModel model, string outputDirectory, ILogger? logger = null)
{
    private readonly ILogger _log = logger ?? NullLogger.Instance;
    private readonly List<DiagnosticsRow> _rows = [];

    public ElectrodepositionModel Model { get; } = model;

    /// <summary>
    /// Coupled electro-chemo-mechanics (physics = "coupled"): after each Li update the staggered u–d
    /// solve runs with the plated Li's growth strain; its pressure enters the next step's overpotential.
    /// </summary>
    public FractureModel? Mechanics { get; init; }

    /// <summary>The named mechanics step of the coupled loop: loads of time t, then staggered u–d to tolerance.</summary>
    private void AdvanceMechanics(RunState st)
    {
        if (Mechanics is not { } m) return;
        double timeS = st.TimeS;
        int step = st.Step;
        m.SetLoad(timeS);
        var r = m.Stagger();
        if (m.NonFiniteField() is { } bad)
            throw new WatchdogException($"NaN/Inf in field '{bad}' at step {step}, t = {timeS:G6} s (mechanics)");
        st.LastStaggerIterations = r.Iterations;
        st.LastStepDamageChange = r.StepDamageChange;
        if (!r.Converged)
            _log.LogWarning("step {Step}: staggered u–d iteration not converged ({Iterations} iterations, max |Δd| {Change:G3}; elastic {Solve}; max |Δd| by iteration {History}; crack area {Area:G4} µm²)",
                step, r.Iterations, r.MaxDamageChange, r.LastElasticSolve, r.ChangeHistory(), m.CrackSize().AreaM2 * 1e12);
        _log.LogDebug("step {Step}: mechanics {Iterations} staggered iterations, elastic {Solve}, max |Δd| by iteration {History}", step, r.Iterations,
            r.LastElasticSolve, r.ChangeHistory());
    }

    public static RunMetadata Metadata(ElectrodepositionModel m)
    {
        var c = m.Case;
        var inv = CultureInfo.InvariantCulture;
        var s = m.Scaling;
        var parameters = new Dictionary<string, string>
        {
            ["interface_width_m"] = c.PhaseField.InterfaceWidthM.ToString("R", inv),
            ["interface_energy_J_per_m2"] = c.PhaseField.InterfaceEnergyJPerM2.ToString("R", inv),
            ["mobility_L_sigma_m3_per_J_s"] = c.PhaseField.MobilityM3PerJS.ToString("R", inv),
            ["kinetic_mobility_L_eta_per_s"] = s.KineticMobilityPerS.ToString("R", inv),
            ["exchange_current_density_A_per_m2"] = c.Electrochemistry.ExchangeCurrentDensityAPerM2.ToString("R", inv),
            ["sigma_llzo_S_per_m"] = c.Electrochemistry.SigmaLlzoSPerM.ToString("R", inv),
            ["sigma_min_S_per_m"] = c.Electrochemistry.SigmaMinSPerM.ToString("R", inv),
            ["empty_crack_xi"] = c.PhaseField.EmptyCrackXi.ToString("R", inv),
            ["label_threshold"] = c.PhaseField.LabelThreshold.ToString("R", inv),
            ["rim_threshold"] = c.PhaseField.RimThreshold.ToString("R", inv),
            ["molar_volume_m3_per_mol"] = c.Electrochemistry.MolarVolumeM3PerMol.ToString("R", inv),
            ["temperature_K"] = c.Electrochemistry.TemperatureK.ToString("R", inv),
        };
        return new RunMetadata(c.Grid.Nx, c.Grid.Ny, c.Grid.Nz, c.Grid.SpacingM, c.Name, c.Hash, m.Backend.Name, parameters);
    }

    /// <summary>The loop state; a resumed simulation starts from the checkpoint's.</summary>
    public RunState State { get; init; } = new();

    /// <summary>Called after every completed step (progress display, tests).</summary>
    public event Action<RunState>? StepCompleted;

    /// <summary>This process's checkpoint: checkpoint.h5, or checkpoint_rNNN.h5 per rank of a distributed run.</summary>
    public string CheckpointPath => Path.Combine(outputDirectory,
        Model.Partition.Size > 1 ? Checkpoint.RankFileName(Model.Partition.Rank) : Checkpoint.FileName);

    /// <summary>Rank 0 writes what is written once (time series, plots, the XDMF index); every rank writes its own fields.</summary>
    private bool Root => Model.Partition.Rank == 0;

    private ISnapshotWriter Snapshots(RunState st)
    {
        var w = SnapshotWriter(Model, outputDirectory);
        w.Restore(st.Snapshots, SnapshotFieldNames);
        return w;
    }

    /// <summary>
    /// The snapshot writer of a model's run, asked of its backend: one file per snapshot, or (a backend
    /// over ranks) one per rank joined by an XDMF index.
    /// </summary>
    public static ISnapshotWriter SnapshotWriter(ElectrodepositionModel model, string outputDirectory) =>
        model.Backend.Service<ISnapshotWriterFactory>()?.Create(outputDirectory, Metadata(model))
        ?? new Hdf5SnapshotWriter(outputDirectory, Metadata(model));

    /// <summary>The owned cells of a cell field on this process (a rank's ghost planes belong to its neighbours' files).</summary>
    public static T[] Owned<T>(Grids.IPartition part, Fields.Field<T> f) where T : unmanaged
    {
        var a = new T[part.OwnedEnd - part.OwnedFirst];
        f.DownloadRange(part.OwnedFirst, a);
        return a;
    }

    /// <summary>
    /// Whether the negative electrode has a tip: its deepest Li point stood, at some row, more than two
    /// cells above where uniform plating alone would have put a flat electrode (its Li's top face plus
    /// the plated volume over the cross-section). A flat or uniformly growing electrode (the bipolar
    /// inclusion's) has none, and its "tip" columns describe a flat face, not a dendrite.
    /// </summary>
    public bool HasTip
    {
        get
        {
            if (_rows.Count == 0) return false;
            var c = Model.Case;
            double h = c.Grid.SpacingM, area = c.Grid.Nx * c.Grid.Ny * h * h;
            double flat = c.Electrodes.CollectorThicknessM + c.Electrodes.NegativeLiThicknessM;
            double v0 = _rows[0].NegativeLiVolumeM3;
            return _rows.Any(r => double.IsFinite(r.TipHeightM) && r.TipHeightM - flat - (r.NegativeLiVolumeM3 - v0) / area > 2 * h);
        }
    }

    /// <summary>Wall-clock seconds after which the run checkpoints and stops cleanly (--wall-time).</summary>
    public double WallTimeLimitS { get; init; } = double.PositiveInfinity;

    /// <summary>Wall-clock seconds between checkpoints, besides [time] checkpoint_interval (0: none).</summary>
    public double CheckpointWallIntervalS { get; init; }

    private CancellationToken _cancel;

    /// <summary>Why the last <see cref="Run"/> stopped.</summary>
    public LoopEnd End { get; private set; }

    public RunSummary Run(CancellationToken cancel = default)
    {
        _cancel = cancel;
        var c = Model.Case;
        var time = c.Time;
        var scaling = Model.Scaling;
        var st = State;
        Directory.CreateDirectory(outputDirectory);
        using var snapshots = Snapshots(st);
        var series = new TimeSeriesWriter(Path.Combine(outputDirectory, "timeseries.csv"), st.SeriesLines);
        double area = c.Grid.CrossSectionM2;
        int startStep = st.Step;
        var wall = Stopwatch.StartNew();

        _log.LogInformation("grid {Nx}×{Ny}×{Nz}, h = {H} m, {Bytes} B/cell on {Device}; stable Δt {Dt:G3} s{Resumed}",
            c.Grid.Nx, c.Grid.Ny, c.Grid.Nz, c.Grid.SpacingM, ElectrodepositionModel.BytesPerCell(c.Solver), Model.Backend.Device,
            scaling.StableStepS, st.Step > 0 ? $"; resuming at step {st.Step}, t = {st.TimeS:G6} s" : "");

        // The stress state of the initial Li and loads; a resumed run has it from its checkpoint.
        if (st.Step == 0) AdvanceMechanics(st);
        var stepper = new ElectrodepositionStepper(this);
        var loop = new TimeLoop(stepper, Model.Partition) { WallTimeLimitS = WallTimeLimitS };
        loop.Callbacks.Add(new Callback("snapshot", Stage.State,
            new TimeInterval(time.OutputIntervalS, r => r.NextOutputS, (r, v) => r.NextOutputS = v, land: true,
                tolerance: 1e-9 * Math.Max(1, time.EndS)),
            r => WriteSnapshot(snapshots, r)));
        loop.Callbacks.Add(new Callback("diagnostics", Stage.Step, new IterationInterval(time.DiagnosticsEverySteps),
            r => Diagnose(r, stepper, series)));
        var checkpoints = new List<Schedule>();
        if (time.CheckpointIntervalS > 0)
            checkpoints.Add(new TimeInterval(time.CheckpointIntervalS, r => r.NextCheckpointS, (r, v) => r.NextCheckpointS = v, land: false,
                tolerance: 0));
        if (CheckpointWallIntervalS > 0) checkpoints.Add(new WallTimeInterval(CheckpointWallIntervalS));
        if (checkpoints.Count > 0)
            loop.Callbacks.Add(new Callback("checkpoint", Stage.AfterStep, new AnyOf([.. checkpoints]), r =>
            {
                if (Root) series.Flush();
                WriteCheckpoint(r);
            }));
        loop.Callbacks.Add(new Callback("step completed", Stage.AfterStep, new IterationInterval(1), r => StepCompleted?.Invoke(r)));
        try
        {
            End = loop.Run(st, cancel);
        }
        catch (WatchdogException)
        {
            // the rows up to the stop are what tells a user why it stopped: they are kept
            if (Root) series.Flush();
            throw;
        }
        if (loop.AbandonedSolve)
            _log.LogInformation("signal: the potential solve of step {Step} was abandoned between Newton iterations; the checkpoint holds the state at that step's start",
                st.Step);
        if (End == LoopEnd.WallTime)
            _log.LogInformation("wall-time limit of {Limit:G4} s reached at step {Step}, t = {T:G6} s: checkpoint written, resume with run --resume",
                WallTimeLimitS, st.Step, st.TimeS);

        // A checkpoint of the state the loop stopped in (finished, stopped at max_steps, by a signal or
        // the wall-time limit): resuming from it continues exactly where this run left off.
        if (Root) series.Flush();
        WriteCheckpoint(st);
        bool cancelled = End != LoopEnd.Finished;
        if (!cancelled)
        {
            Model.SolvePotential(c.Electrochemistry.CurrentDensityAt(st.TimeS) * area);
            Model.ComputeRates();
        }
        else if (loop.AbandonedSolve) Model.ComputeRates(); // ∂ξ/∂t held rhs_B in the abandoned solve: the snapshot's rate at the restored φ
        WriteSnapshot(snapshots, st);
        try
        {
            if (Root) TimeSeriesPlots.Write(outputDirectory, _rows, Scaling.Faraday / Model.Scaling.MolarVolume, HasTip);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            // The plots are a convenience; a machine without the native drawing libraries still gets
            // every field, the time series and the checkpoint.
            _log.LogWarning("PNG plots skipped: the native drawing library could not be loaded ({Message})", e.Message);
        }
        wall.Stop();
        double updates = (double)(st.Step - startStep) * c.Grid.CellCount / Math.Max(wall.Elapsed.TotalSeconds, 1e-9);
        return new RunSummary(st.Step, st.TimeS, wall.Elapsed.TotalSeconds, updates, cancelled, outputDirectory, _rows,
            st.UnconvergedSolves) { HasTip = HasTip };
    }

    /// <summary>
    /// One step of electrodeposition (and, coupled, the mechanics): SolvePotential → ComputeRates, with
    /// the watchdogs (NaN/Inf, potential solves that keep missing their tolerance, a collapsing step);
    /// Δt = min(max_step, capillary stability limit, max_dxi / max|∂ξ/∂t|, the coupled Δd bound, the
    /// end, the next landing time, the next current change); AdvanceLiPhase → mechanics → bodies.
    /// </summary>
    private sealed class ElectrodepositionStepper(Simulation sim) : IStepper
    {
        private int _failuresInARow;
        public PotentialReport Potential { get; private set; } = null!;
        public RateReport Rates { get; private set; } = null!;
        public double CurrentA { get; private set; }
        public double CurrentDensityAPerM2 { get; private set; }
        public double StepS { get; private set; }

        public bool Finished(RunState st) =>
            st.TimeS >= sim.Model.Case.Time.EndS * (1 - 1e-12) || st.Step >= sim.Model.Case.Time.MaxSteps;

        public void Solve(RunState st)
        {
            var model = sim.Model;
            var c = model.Case;
            CurrentDensityAPerM2 = c.Electrochemistry.CurrentDensityAt(st.TimeS);
            CurrentA = CurrentDensityAPerM2 * c.Grid.CrossSectionM2;
            // A signal during a long solve abandons it between Newton iterations, every rank together
            // (the step's start state is put back; the loop then checkpoints it).
            var cancel = sim._cancel;
            var potential = model.SolvePotential(CurrentA,
                cancel.CanBeCanceled ? () => model.Partition.Max(cancel.IsCancellationRequested ? 1 : 0) > 0 : null);
            Potential = potential;
            _failuresInARow = potential.Converged ? 0 : _failuresInARow + 1;
            if (_failuresInARow >= c.Solver.MaxFailuresInARow)
                throw new WatchdogException($"the potential solve missed its tolerance {_failuresInARow} steps in a row " +
                    $"(step {st.Step}, t = {st.TimeS:G6} s; last: Newton {potential.NewtonIterations}, nonlinear residual " +
                    $"{potential.NonlinearResidual:G3}, {potential.LastSolve}); see [solver] max_failures_in_a_row");
            if (!potential.Converged)
            {
                st.UnconvergedSolves++;
                sim._log.LogWarning("step {Step}: potential solve not converged: Newton {Newton} iterations, nonlinear residual {Res:G3}, last linear solve {Solve}",
                    st.Step, potential.NewtonIterations, potential.NonlinearResidual, potential.LastSolve);
            }
            sim._log.LogDebug("step {Step}: Newton {Newton}, linear {Cg}, {Solve}", st.Step, potential.NewtonIterations,
                potential.LinearIterations, potential.LastSolve);
            Rates = model.ComputeRates();
            if (!double.IsFinite(Rates.MaxRatePerS) || !double.IsFinite(model.CellVoltageV))
                throw new WatchdogException($"NaN/Inf in field '{(double.IsFinite(model.CellVoltageV) ? "rate (∂ξ/∂t, from ξ and φ)" : "body potential")}' " +
                    $"at step {st.Step}, t = {st.TimeS:G6} s");
        }

        public double ChooseStep(RunState st, double landingTimeS)
        {
            var model = sim.Model;
            var c = model.Case;
            var time = c.Time;
            var rates = Rates;
            double dt = Math.Min(time.MaxStepS, model.Scaling.StableStepS);
            if (rates.MaxRatePerS > 0) dt = Math.Min(dt, time.MaxXiChangePerStep / rates.MaxRatePerS);
            // (Li creep flow along cracks is implicit in time: it does not bound the step.)
            // Coupled: damage changes with the stress the last step left, so the next step is
            // shortened in proportion when the last one changed d by more than max_dd (the step is
            // not repeated: a brittle jump happens in one step whatever its length).
            if (sim.Mechanics != null && st.LastStepDamageChange > 0 && model.LastStepS > 0)
                dt = Math.Min(dt, model.LastStepS * time.MaxDamageChangePerStep / st.LastStepDamageChange);
            dt = Math.Min(dt, time.EndS - st.TimeS);
            dt = Math.Min(dt, Math.Max(landingTimeS - st.TimeS, 1e-12));
            foreach (var seg in c.Electrochemistry.CurrentSchedule)
                if (seg.UntilS > st.TimeS + 1e-12) { dt = Math.Min(dt, seg.UntilS - st.TimeS); break; }
            bool limitedByRate = rates.MaxRatePerS > 0 && dt >= time.MaxXiChangePerStep / rates.MaxRatePerS * (1 - 1e-9);
            if (limitedByRate && dt < time.MinStepS)
                throw new WatchdogException($"the time step collapsed to {dt:G3} s < min_step = {time.MinStepS:G3} s at step {st.Step}, " +
                    $"t = {st.TimeS:G6} s (max |∂ξ/∂t| = {rates.MaxRatePerS:G3} 1/s)");
            StepS = dt;
            return dt;
        }

        public void Advance(RunState st, double dtS)
        {
            var model = sim.Model;
            model.AdvanceLiPhase(dtS);
            model.AdvanceLiFlow(dtS);
            st.TimeS += dtS;
            st.Step++;
            sim.AdvanceMechanics(st);
            if (st.Step % model.Case.PhaseField.RelabelEvery == 0) model.RelabelBodies();
            else model.UpdateBodies();
        }
    }

    /// <summary>The diagnostics row of the step about to be taken (time series, tip, bodies, mechanics).</summary>
    private void Diagnose(RunState st, ElectrodepositionStepper step, TimeSeriesWriter series)
    {
        var scaling = Model.Scaling;
        var rates = step.Rates;
        var potential = step.Potential;
        double dt = step.StepS;
        var tip = Model.NegativeTip();
        double velocity = double.NaN;
        if (tip is { } tp && double.IsFinite(st.LastTipHeightM) && st.TimeS > st.LastTipTimeS)
            velocity = (tp.HeightM - st.LastTipHeightM) / (st.TimeS - st.LastTipTimeS);
        DiagnosticsRow row = new(st.Step, st.TimeS, dt, Model.CellVoltageV, step.CurrentA, rates.NegativeCurrentA,
            rates.PositiveCurrentA, Model.LiVolumeM3(Bodies.Negative), Model.LiVolumeM3(Bodies.AllCells),
            tip?.HeightM ?? double.NaN, velocity, tip?.CurrentDensityAPerM2 ?? double.NaN,
            Scaling.Faraday / scaling.MolarVolume * velocity, step.CurrentDensityAPerM2, potential.NewtonIterations,
            potential.LinearIterations, potential.LastSolve.RelativeResidual, Model.IsolatedBodies);
        if (Mechanics is { } mech)
        {
            var leaf = mech.LeafSize(crack: false);
            var crack = mech.LeafSize(crack: true);
            row = row with
            {
                MaxLiPressurePa = mech.MaxLiPressurePa(), MeanLiPressurePa = mech.MeanLiPressurePa(), CrackAreaM2 = mech.CrackSize().AreaM2,
                StaggerIterations = st.LastStaggerIterations,
                StepDamageChange = st.LastStepDamageChange,
                LeafThicknessM = leaf.ThicknessM, LeafWidthM = leaf.WidthM, LeafHeightM = leaf.HeightM,
                CrackThicknessM = crack.ThicknessM, CrackWidthM = crack.WidthM, CrackHeightM = crack.HeightM,
                LiFlowMaxChange = Model.LastLiFlowMaxChange, LiFlowIterations = Model.LastLiFlowSolve.Iterations,
                LiFlowElectrodeInflowM3PerS = Model.LastLiFlowElectrodeInflowM3PerS,
            };
            if (Model.LiFlows && Model.LastLiFlowSolve is { Converged: false, Iterations: > 0 } flow)
                _log.LogWarning("step {Step}: the Li creep flow's pressure solve {Report} (its Li moved conservatively all the same)", st.Step, flow);
        }
        if (Model.IsolatedBodies > 0)
            row = row with
            {
                Body2CentreZM = Model.CentreOfMassZ(2), Body2LiVolumeM3 = Model.LiVolumeM3(2),
                Body2CurrentA = Model.BodyCurrentA(2), Body2PotentialV = Model.BodyPotentialV(2),
            };
        _rows.Add(row);
        if (Root) series.Add(row);
        st.LastTipHeightM = tip?.HeightM ?? double.NaN;
        st.LastTipTimeS = st.TimeS;
        if (st.Step % (50 * Model.Case.Time.DiagnosticsEverySteps) == 0)
            _log.LogInformation("step {Step}  t = {T:G4} s  dt = {Dt:G3} s  V = {V:G4} mV  tip {Tip:G4} µm  j_tip = {Jt:G3} A/m²",
                st.Step, st.TimeS, dt, Model.CellVoltageV * 1e3, row.TipHeightM * 1e6, row.TipCurrentDensityAPerM2);
    }

    private static readonly (string Name, bool IsInt)[] SnapshotFieldNames =
        [("xi", false), ("phi", false), ("damage", false), ("label", true), ("deposition_rate", false)];

    /// <summary>
    /// The snapshot's φ [V]: a metal body's potential in its own cells (BodyLabels.IsCore: ξ above
    /// label_threshold, which includes the collectors' ξ = 1, or a conducting crack), the ionic φ
    /// (dimensionless × V_T) in every other cell. The diffuse tail of an interface (rim_threshold &lt; ξ ≤
    /// label_threshold) carries its body's label for the Faradaic current but is electrolyte, so it
    /// shows the ionic potential (with label ≥ 0 alone, a tail 30 µm long in the 64³ paper-scale case
    /// at h = 2 µm was drawn at the electrode's potential).
    /// </summary>
    private static float[] SnapshotPhi(float[] phi, float[] xi, float[] damage, int[] material, int[] label,
        float thermalVoltageV, float labelThreshold, bool crackConduction, Func<int, double> bodyPotentialV)
    {
        for (int n = 0; n < phi.Length; n++)
        {
            bool body = label[n] >= 0 && BodyLabels.IsCore(xi[n], damage[n], material[n], labelThreshold, crackConduction ? 1 : 0);
            phi[n] = body ? (float)bodyPotentialV(label[n]) : phi[n] * thermalVoltageV;
        }
        return phi;
    }

    private void WriteSnapshot(ISnapshotWriter writer, RunState st)
    {
        int index = st.SnapshotIndex++;
        var s = Model.State;
        var part = Model.Partition;
        T[] Owned<T>(Fields.Field<T> f) where T : unmanaged => Simulation.Owned(part, f);
        float vt = (float)Model.Scaling.ThermalVoltageV;
        // φ as a voltmeter reads it: the ionic potential in the electrolyte, and in a metal body's own
        // cells (SnapshotPhi) that body's potential. The ionic φ inside the metal, where only σ_min
        // conducts, carries no meaning and would set ParaView's colour range (−75 … +183 mV in an 81 mV cell).
        var label = Owned(s.Label);
        var phi = SnapshotPhi(Owned(s.Phi), Owned(s.Xi), Owned(s.Damage), Owned(s.Material), label, vt,
            (float)Model.Case.PhaseField.LabelThreshold, Model.Case.PhaseField.CrackFaceConduction, Model.BodyPotentialV);
        var fields = new List<SnapshotField>
        {
            new("xi", Owned(s.Xi), "1", "Li metal phase fraction (1 = Li)"),
            new("phi", phi, "V", "potential (negative electrode = 0 V): ionic in the electrolyte, the body's own in a metal body's cells (label >= 0)"),
            new("damage", Owned(s.Damage), "1", "LLZO damage d (1 = cracked)"),
            new("label", label, "1", "metal body: -1 none, 0 negative electrode, 1 positive electrode, >=2 isolated"),
            new("deposition_rate", Owned(s.Rate), "1/s", "dxi/dt (positive = Li deposits)"),
        };
        if (Mechanics is { } m)
        {
            float unit = (float)m.StressUnitPa;
            float[] Pa(float[] a)
            {
                for (int n = 0; n < a.Length; n++) a[n] *= unit;
                return a;
            }
            fields.Add(new("pressure", Pa(Owned(m.Pressure)), "Pa", "pressure -tr(sigma)/3 (enters the overpotential as V_m p/F)"));
            fields.Add(new("von_mises", Pa(Owned(m.VonMises)), "Pa", "von Mises stress"));
        }
        string path = writer.Write(new Snapshot(index, st.Step, st.TimeS, fields));
        st.Snapshots.Add((index, st.Step, st.TimeS));
        _log.LogInformation("snapshot {Index} at t = {T:G4} s → {Path}", index, st.TimeS, path);
    }

    /// <summary>This process's checkpoint of the loop state st (the model's and the mechanics' fields copied to the host).</summary>
    private void WriteCheckpoint(RunState st) =>
        Checkpoint.Write(CheckpointPath, Model.Case, Model.Backend.Name, Model.Partition.Rank, Model.Partition.Size, Model.Save(), st,
            Mechanics?.Save());
}
