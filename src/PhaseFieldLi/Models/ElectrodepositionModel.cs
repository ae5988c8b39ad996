using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Solvers;

namespace PhaseFieldLi.Models;

/// <summary>Result of one potential solve (the coupled Newton loop of the charge equation).</summary>
public sealed record PotentialReport(int NewtonIterations, int LinearIterations, SolveReport LastSolve, bool Converged,
    double NonlinearResidual);

/// <summary>Faradaic currents and the fastest phase-field change after a potential solve.</summary>
public sealed record RateReport(double MaxRatePerS, double NegativeCurrentA, double PositiveCurrentA);

/// <summary>
/// Li electrodeposition in LLZO: the Li phase field coupled to the ionic potential and the metal
/// bodies' potentials. The time loop (Simulation) calls the named steps in order:
/// <see cref="SolvePotential(double)"/> → <see cref="ComputeRates"/> → <see cref="AdvanceLiPhase"/> →
/// <see cref="UpdateBodies"/>. Every step runs on the backend; the host sees only scalars.
/// </summary>
public sealed class ElectrodepositionModel : IDisposable
{
    private readonly IOperations _ops;
    private readonly ConjugateGradient _cg;
    private readonly float[] _bodyPotential = new float[State.MaxBodies];

    // The potential solve's float pair and defect correction (SolvePotential): φ = Phi + _phiLow,
    // the residual of the linearised charge equation and its correction.
    private readonly Field<float> _phiLow, _residual, _correction;

    public ElectrodepositionModel(Case c, Backend backend)
    {
        Partition = backend.Partition(c.Grid.Shape);
        Shape = Partition.Local;
        long need = (long)BytesPerCell(c.Solver) * Shape.Count;
        if (need > backend.MemoryBytes)
            throw new Cases.CaseException("grid.cells", $"[{c.Grid.Nx}, {c.Grid.Ny}, {c.Grid.Nz}]",
                $"needs {need / 1e9:F2} GB of fields ({BytesPerCell(c.Solver)} B/cell) but {backend.Name} has {backend.MemoryBytes / 1e9:F2} GB");
        Case = c;
        Backend = backend;
        Scaling = new Scaling(c);
        Li = Scaling.Li;
        _ops = backend.CreateOperations();
        State = new State(backend, Shape.Count);
        _phiLow = backend.Float("phi_low", Shape.Count);
        _residual = backend.Float("potential_residual", Shape.Count);
        _correction = backend.Float("potential_correction", Shape.Count);
        _phiAtStart = backend.Float("phi_at_solve_start", Shape.Count);
        _phiBAtStart = backend.Float("phi_response_at_solve_start", Shape.Count);
        IPreconditioner preconditioner = c.Solver.Method == PotentialSolver.JacobiCg
            ? new JacobiPreconditioner(backend, _ops, Shape)
            : WholeGridMultigrids.For(backend).CreateMultigrid(_ops, Shape);
        _cg = new ConjugateGradient(backend, _ops, Shape, preconditioner);

        // A rank builds its own planes and ghost planes (d and material never change, so their ghost
        // planes stay right for the whole run).
        var init = InitialConditions.Build(c, Shape.ZOffset, Shape.Nz);
        State.Xi.Upload(init.Xi);
        State.LiHistory.Upload(init.LiHistory);
        State.Damage.Upload(init.Damage);
        State.Material.Upload(init.Material);
        State.Label.Fill(Bodies.None);
        if (c.Electrochemistry.Control == CellControl.Potentiostatic)
            _bodyPotential[Bodies.Positive] = (float)(c.Electrochemistry.CellVoltageV / Scaling.ThermalVoltageV);
        State.BodyPotential.Upload(_bodyPotential);
        RelabelBodies();
    }

    /// <summary>The part of the grid this process holds (the whole grid unless the run is distributed).</summary>
    public Grids.IPartition Partition { get; }

    /// <summary>The cells this process holds (ghost planes included); every rule runs on this shape.</summary>
    public GridShape Shape { get; }

    /// <summary>
    /// Σξ (cells) each isolated body must keep: set when the body first appears (or after bodies
    /// merged or split) and then held. The body's zero-net-current row asks for the current that
    /// returns Σξ to it over the next step, (M_ref − M)/Δt_last: float32 ξ loses increments below
    /// half an ulp near ξ = 1 and the clamp to [0, 1] cuts overshoots, and without this feedback
    /// those losses accumulated to a drift of 1e-6 of the body's Li (measured in BipolarTests).
    /// </summary>
    public double[] BodyMassReference { get; } = new double[State.MaxBodies];

    /// <summary>The last time step taken by <see cref="AdvanceLiPhase"/> [s] (0 before the first).</summary>
    public double LastStepS { get; private set; }

    /// <summary>Isolated metal bodies (labels 2 … 1 + IsolatedBodies), each at its own floating potential.</summary>
    public int IsolatedBodies { get; private set; }

    /// <summary>
    /// Full relabelling: unique provisional labels, propagation, then compaction of the isolated
    /// bodies to 2, 3, … on the host (the only host round trip of the labelling, done every
    /// relabel_every steps). A body keeps the floating potential of the old label found at its
    /// first cell, so a relabelling that changes nothing changes no potential. On several ranks a
    /// body's provisional label (2 + the global index of its first core cell) is the same on every
    /// rank that holds part of it, so the ranks agree on the bodies by exchanging their label lists;
    /// its first cell lies on the lowest rank holding it.
    /// </summary>
    public void RelabelBodies()
    {
        var old = State.Label.ToArray();
        _ops.ResetLabels(State, Shape, Scaling.Li.LabelThreshold, Case.PhaseField.CrackFaceConduction);
        UpdateBodies();
        var labels = State.Label.ToArray();
        var bodies = GlobalBodies(labels);
        if (bodies.Count > State.MaxBodies - 2)
            throw new InvalidOperationException($"{bodies.Count} isolated metal bodies; at most {State.MaxBodies - 2} are supported");

        // Per body: the old label at its first cell (from the rank holding that cell).
        var index = new Dictionary<int, int>();
        for (int b = 0; b < bodies.Count; b++) index[bodies[b].Provisional] = b;
        var previousLabel = new double[bodies.Count];
        var firstSeen = new bool[bodies.Count];
        for (int n = Partition.OwnedFirst; n < Partition.OwnedEnd; n++)
        {
            if (labels[n] < 2) continue;
            int b = index[labels[n]];
            if (!firstSeen[b] && bodies[b].FirstRank == Partition.Rank) previousLabel[b] = old[n];
            firstSeen[b] = true;
        }
        Partition.Sum(previousLabel);
        // A new body starts at the mean ionic potential over its cells (no net current at first order);
        // φ comes to the host only when there is one.
        var phiMean = new double[2 * bodies.Count];
        if (previousLabel.Any(l => l < 2))
        {
            var phi = State.Phi.ToArray();
            for (int n = Partition.OwnedFirst; n < Partition.OwnedEnd; n++)
            {
                if (labels[n] < 2) continue;
                int b = index[labels[n]];
                phiMean[2 * b] += phi[n];
                phiMean[2 * b + 1] += 1;
            }
            Partition.Sum(phiMean);
        }

        var compact = new Dictionary<int, int>();
        var potentials = (float[])_bodyPotential.Clone();
        var previousOf = new int[State.MaxBodies];
        for (int b = 0; b < bodies.Count; b++)
        {
            int id = 2 + b;
            compact[bodies[b].Provisional] = id;
            int previous = (int)previousLabel[b];
            previousOf[id] = previous;
            double count = phiMean[2 * b + 1];
            potentials[id] = previous >= 2 ? _bodyPotential[previous] : count > 0 ? (float)(phiMean[2 * b] / count) : 0f;
        }
        if (compact.Count > 0)
        {
            for (int n = 0; n < labels.Length; n++)
                if (labels[n] >= 2) labels[n] = compact[labels[n]];
            State.Label.Upload(labels);
        }
        // A body that is the same body as before (same count, found through its first cell) keeps
        // its mass reference; new, merged or split bodies start from what they hold now.
        var references = new double[State.MaxBodies];
        for (int id = 2; id < 2 + compact.Count; id++)
            references[id] = compact.Count == IsolatedBodies && previousOf[id] >= 2
                ? BodyMassReference[previousOf[id]]
                : _ops.BodySum(State.Xi, State.Label, id);
        references.CopyTo(BodyMassReference, 0);
        IsolatedBodies = compact.Count;
        potentials.CopyTo(_bodyPotential, 0);
        State.BodyPotential.Upload(_bodyPotential);
    }

    /// <summary>
    /// The provisional labels of the isolated bodies over all ranks, ascending, each with the lowest
    /// rank owning one of its cells (the rank that holds the body's first cell in global order).
    /// </summary>
    private List<(int Provisional, int FirstRank)> GlobalBodies(int[] labels)
    {
        var mine = new SortedSet<int>();
        for (int n = Partition.OwnedFirst; n < Partition.OwnedEnd; n++)
            if (labels[n] >= 2) mine.Add(labels[n]);
        int slots = State.MaxBodies - 1; // one more than allowed, so that too many is seen
        if (Partition.Size == 1) return mine.Take(slots).Select(l => (l, 0)).ToList();
        var table = new double[Partition.Size * slots];
        int s = 0;
        foreach (int l in mine.Take(slots)) table[Partition.Rank * slots + s++] = l;
        Partition.Sum(table);
        var first = new SortedDictionary<int, int>();
        for (int r = Partition.Size - 1; r >= 0; r--)
            for (int t = 0; t < slots && table[r * slots + t] != 0; t++)
                first[(int)table[r * slots + t]] = r;
        return first.Take(slots).Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary>The fields and body state on the host, for a checkpoint.</summary>
    public ElectrochemistryFields Save() => new(State.Xi.ToArray(), State.Phi.ToArray(), State.PhiB.ToArray(), State.Damage.ToArray(),
        State.LiHistory.ToArray(), State.Label.ToArray(), State.Material.ToArray(), State.BodyPotential.ToArray(),
        (double[])BodyMassReference.Clone(), LastStepS);

    /// <summary>Puts a checkpoint's fields and body potentials back on the device.</summary>
    public void Restore(ElectrochemistryFields c)
    {
        if (c.Xi.Length != Shape.Count)
            throw new ArgumentException($"checkpoint has {c.Xi.Length} cells, this {(Partition.Size > 1 ? "rank's slab" : "case")} {Shape.Count}");
        State.Xi.Upload(c.Xi);
        State.LiHistory.Upload(c.LiHistory);
        State.Phi.Upload(c.Phi);
        State.PhiB.Upload(c.PhiResponse);
        State.Damage.Upload(c.Damage);
        State.Label.Upload(c.Label);
        State.Material.Upload(c.Material);
        c.BodyPotential.CopyTo(_bodyPotential, 0);
        State.BodyPotential.Upload(_bodyPotential);
        c.BodyMassReference.CopyTo(BodyMassReference, 0);
        LastStepS = c.LastStepS;
        IsolatedBodies = (int)Partition.Max(c.Label.Where(l => l >= 2).DefaultIfEmpty(1).Max()) - 1;
    }

    /// <summary>The Li-phase parameters the kernels see (Scaling.Li, plus the pressure coupling once mechanics is on).</summary>
    public LiPhaseParameters Li { get; private set; }

    /// <summary>
    /// Puts the mechanics' pressure into the overpotential: η = Φ_k − φ + V_m p/F with p = −tr σ/3 of
    /// each cell (updated whenever the mechanics solves).
    /// </summary>
    public void CoupleMechanics(FractureModel mechanics)
    {
        State.Pressure = mechanics.Pressure;
        Li = Scaling.Li with
        {
            PressurePotential = (float)(Scaling.MolarVolume * mechanics.StressUnitPa / (Scaling.GasConstant * Case.Electrochemistry.TemperatureK)),
        };
        if (Case.Mechanics is { LiCreep: { } law } m)
        {
            // A cell presses with its sheet once it holds the sheet's edge thickness (ξ_s = t_s/h).
            var flow = Models.Scaling.LiFlow(law, Case.Electrochemistry.TemperatureK, mechanics.StressUnitPa, Scaling.Li.SheetEdgeFill,
                Scaling.Li.SheetNormalAxis, liBulkModulusPa: m.YoungLiPa / (3 * (1 - 2 * m.PoissonLi)));
            _creep?.Dispose();
            _creep = new LiCreepFlow(Backend, _ops, Shape, flow);
        }
    }

    // Li creep flow along cracks ([mechanics] li_creep; kernels: Physics/LiFlow.cs), coupled runs only.
    private LiCreepFlow? _creep;

    /// <summary>Whether Li sheets flow along their cracks in this run.</summary>
    public bool LiFlows => _creep != null;

    /// <summary>The last creep step's pressure solve (default before the first, or without flow).</summary>
    public SolveReport LastLiFlowSolve => _creep?.LastSolve ?? default;

    /// <summary>The largest |Δξ| the last creep step gave a cell (NaN without flow).</summary>
    public double LastLiFlowMaxChange => _creep?.LastMaxChange ?? double.NaN;

    /// <summary>
    /// The Li the last creep step took in from the electrodes through open crack mouths [m³/s]; negative
    /// where the cracks vent into them (0 with closed mouths, NaN without flow).
    /// </summary>
    public double LastLiFlowElectrodeInflowM3PerS => _creep == null ? double.NaN : _creep.LastElectrodeInflow * Math.Pow(Grid.SpacingM, 3);

    /// <summary>
    /// AdvanceLiFlow: one implicit creep step of the Li sheets along their cracks (<see cref="LiCreepFlow"/>),
    /// right after <see cref="AdvanceLiPhase"/> over the same Δt: the flow starts from the pressure of the
    /// Li the sheets hold now, the deposition of ∂ξ/∂t (State.Rate) included. A no-op without flow.
    /// </summary>
    public void AdvanceLiFlow(double dtS) => _creep?.Advance(State.Xi, State.Pressure, State.Damage, State.Material, dtS, State.Rate);

    public Case Case { get; }
    public Grids.Grid Grid => Case.Grid;
    public Backend Backend { get; }
    public Scaling Scaling { get; }
    public State State { get; }
    public IOperations Ops => _ops;

    /// <summary>Bytes one linear (preconditioned CG) iteration of the potential solve must move, counted.</summary>
    public double PotentialBytesPerLinearIteration => _cg.CountedBytesPerIteration;

    /// <summary>The potential solve's preconditioner (Jacobi, multigrid, or the multigrid across ranks).</summary>
    public IPreconditioner PotentialPreconditioner => _cg.Preconditioner;

    /// <summary>
    /// Bytes per cell held on the device: the model's fields, the potential solve's three (φ_lo, its
    /// residual and correction), CG's work arrays, and the preconditioner
    /// (Jacobi: 1 array; multigrid: none on the finest level, whose residual lives in CG's q, and 8 on
    /// each coarser one — σ, a, b, x, r and three transfer weights — Σ 8/8^l = 8/7 arrays ≈ 5 B).
    /// </summary>
    public static int BytesPerCell(SolverSettings solver) => 4 * (State.FieldsPerCell + PotentialSolveFieldsPerCell + ConjugateGradient.FieldsPerCell) +
                                                          (solver.Method == PotentialSolver.JacobiCg ? 4 : 5);

    /// <summary>
    /// φ_lo, the defect-correction residual and the correction (<see cref="SolvePotential(double)"/>),
    /// and φ and φ_B as the solve began (put back when a signal abandons it).
    /// </summary>
    public const int PotentialSolveFieldsPerCell = 5;

    /// <summary>Φ₊ − Φ₋ [V].</summary>
    public double CellVoltageV => (_bodyPotential[Bodies.Positive] - _bodyPotential[Bodies.Negative]) * Scaling.ThermalVoltageV;

    /// <summary>
    /// Solves the charge equation for φ with the Butler–Volmer source linearised by Newton's method,
    /// and the positive electrode's potential so that its Faradaic current is −I (galvanostatic; Li
    /// strips there when I &gt; 0) or holds it fixed (potentiostatic). Warm-starts from the last step.
    ///
    /// Each Newton iteration is a defect correction: the residual of the linearised charge equation,
    /// r = rhs − A(φ_hi + φ_lo), is evaluated in double on the float pair φ = φ_hi + φ_lo
    /// (<see cref="IHelmholtzOperations.PreciseResidual"/>); a float32 MG-CG solve gives the correction
    /// A e = r; and e is added to the pair. The nonlinear residual ‖r‖/‖rhs‖ is therefore not bounded
    /// below by float32 rounding of φ. Solving for φ itself in float32 left that floor at about
    /// 1.7e-5 on the 20 × 20 × 120 quickstart and 1e-4 at 128 × 128 × 256, above the Newton
    /// tolerance, so every step of a large run ran to newton_max_iterations. φ_lo lives only within one
    /// solve; Phi keeps φ_hi, the float nearest the converged potential.
    /// </summary>
    public PotentialReport SolvePotential(double appliedCurrentA) => SolvePotential(appliedCurrentA, null);

    /// <summary>
    /// The same, abandoned between Newton iterations when <paramref name="stop"/> says so (a signal
    /// during a long solve): φ, the response φ_B and the body potentials are put back as they were
    /// when the solve began (two device copies per solve, into two arrays of their own) and <see cref="SolveAbandonedException"/> is thrown, so the run can checkpoint the state of the
    /// step's start at once. On several ranks stop must give every rank the same answer.
    /// </summary>
    public PotentialReport SolvePotential(double appliedCurrentA, Func<bool>? stop)
    {
        if (stop == null) return SolvePotentialCore(appliedCurrentA, null);
        _ops.Copy(State.Phi, _phiAtStart);
        _ops.Copy(State.PhiB, _phiBAtStart);
        _bodyPotential.CopyTo(_bodyPotentialAtStart, 0);
        try
        {
            return SolvePotentialCore(appliedCurrentA, stop);
        }
        catch (SolveAbandonedException)
        {
            _ops.Copy(_phiAtStart, State.Phi);
            _ops.Copy(_phiBAtStart, State.PhiB);
            _bodyPotentialAtStart.CopyTo(_bodyPotential, 0);
            State.BodyPotential.Upload(_bodyPotential);
            throw;
        }
    }

    private readonly Field<float> _phiAtStart, _phiBAtStart;
    private readonly float[] _bodyPotentialAtStart = new float[State.MaxBodies];

    private PotentialReport SolvePotentialCore(double appliedCurrentA, Func<bool>? stop)
    {
        var solver = Case.Solver;
        bool galvanostatic = Case.Electrochemistry.Control == CellControl.Galvanostatic;
        double target = Scaling.SumRate(-appliedCurrentA);
        float invQ = 1f / Scaling.Charge.Q;
        var shape = Shape;
        int linear = 0;
        SolveReport last = default;
        double nonlinear = double.NaN;
        double[]? bodyTargets = null;
        _ops.Fill(_phiLow, 0f);
        for (int it = 1; it <= solver.NewtonMaxIterations; it++)
        {
            if (it > 1 && stop != null && stop()) throw new SolveAbandonedException(it - 1);
            _ops.AssembleCharge(State, shape, Li, Scaling.Charge, galvanostatic ? Bodies.Positive : -1);
            var problem = new HelmholtzProblem(shape, State.Sigma, State.Shift);
            _cg.Prepare(problem);
            last = CorrectPotential(problem, solver, out nonlinear);
            linear += last.Iterations;
            double change = 0;
            if (IsolatedBodies > 0)
            {
                bodyTargets ??= IsolatedBodyTargets();
                change = UpdateBodyPotentials(galvanostatic, target, invQ, bodyTargets);
            }
            else if (galvanostatic)
            {
                var rb = _cg.Solve(State.RhsB, State.PhiB, solver.Tolerance, solver.MaxIterations);
                linear += rb.Iterations;
                if (!rb.Converged) last = rb;
                var (linearSum, response) = _ops.GalvanostatSums(State, Bodies.Positive, invQ);
                if (!(response < 0))
                    throw new InvalidOperationException(
                        "the positive electrode carries no Faradaic current: it has no Li|electrolyte interface, or Li connects it to the negative electrode (a short circuit)");
                change = (target - linearSum) / response;
                _ops.Axpby((float)change, State.PhiB, 0f, _correction);
                _ops.AddCorrection(State.Phi, _phiLow, _correction);
                _bodyPotential[Bodies.Positive] += (float)change;
                State.BodyPotential.Upload(_bodyPotential);
            }
            if (nonlinear < solver.NewtonTolerance && Math.Abs(change) < solver.NewtonTolerance * 10)
                return new PotentialReport(it, linear, last, last.Converged, nonlinear);
        }
        return new PotentialReport(solver.NewtonMaxIterations, linear, last, false, nonlinear);
    }

    /// <summary>
    /// One defect correction of the linearised charge equation: r = rhs_A − A(φ_hi + φ_lo) in double,
    /// then A e = r by float32 CG to the linear tolerance (relative to ‖rhs_A‖, as a solve for φ
    /// itself would be), and φ ← φ + e on the pair. Returns the correction solve's report with the
    /// pair's relative residual before it as the initial residual; <paramref name="relative"/> is
    /// that residual (the nonlinear residual at the linearisation point).
    /// </summary>
    private SolveReport CorrectPotential(HelmholtzProblem problem, SolverSettings solver, out double relative)
    {
        double rhsNorm = Math.Sqrt(_ops.Dot(State.RhsA, State.RhsA));
        if (rhsNorm == 0) rhsNorm = 1;
        double residualNorm = Math.Sqrt(_ops.PreciseResidual(problem.Grid, problem.Spec, problem.Sigma, problem.Shift,
            State.RhsA, State.Phi, _phiLow, _residual));
        relative = residualNorm / rhsNorm;
        if (!double.IsFinite(relative)) return new SolveReport(0, relative, relative, false);
        if (relative <= solver.Tolerance) return new SolveReport(0, relative, relative, true);
        // The same absolute target as a solve for φ to the linear tolerance, but at least one decade
        // of reduction, and no finer than float32 CG's recursive residual goes.
        double inner = Math.Clamp(solver.Tolerance / relative, 1e-7, 0.1);
        var step = _cg.SolveFromZero(_residual, _correction, inner, solver.MaxIterations);
        _ops.AddCorrection(State.Phi, _phiLow, _correction);
        return new SolveReport(step.Iterations, relative, step.RelativeResidual * relative, step.Converged);
    }

    /// <summary>
    /// The body potentials that are unknowns — the galvanostatic positive electrode and every isolated
    /// body — from one linearised system. For each unknown body k the response φ_k to a unit change of
    /// Φ_k is solved (−∇·(σ∇φ_k) + aφ_k = aχ_k); body j's linearised Faradaic current is then
    /// s_j + Σ_k M_jk ΔΦ_k with M_jk = Σ_j a(φ_k − χ_k)/Q, and M ΔΦ = t − s gives the changes that
    /// make the electrode carry −I and every isolated body exactly zero (mass conservation).
    /// φ itself is re-solved with the new potentials by the next Newton iteration.
    /// </summary>
    private double UpdateBodyPotentials(bool galvanostatic, double target, float invQ, double[] bodyTargets)
    {
        var unknowns = new List<int>();
        if (galvanostatic) unknowns.Add(Bodies.Positive);
        for (int k = 2; k < 2 + IsolatedBodies; k++) unknowns.Add(k);
        int m = unknowns.Count;
        var matrix = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(m, m);
        var rhs = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(m);
        for (int kk = 0; kk < m; kk++)
        {
            _ops.BodyShift(State, unknowns[kk], State.RhsB);
            var r = _cg.Solve(State.RhsB, State.PhiB, Case.Solver.Tolerance, Case.Solver.MaxIterations);
            if (!r.Converged) LastResponseSolve = r;
            for (int jj = 0; jj < m; jj++)
            {
                var (linearSum, response) = _ops.GalvanostatSums(State, unknowns[jj], invQ, ownResponse: jj == kk);
                matrix[jj, kk] = response;
                rhs[jj] = (unknowns[jj] == Bodies.Positive && galvanostatic ? target : bodyTargets[unknowns[jj]]) - linearSum;
            }
        }
        // A body none of whose cells can react (an electrode's diffuse tail left in intact LLZO, where
        // m = 0, once the electrode strips away from it) has a zero row and column: its potential is
        // undetermined and irrelevant — it keeps it, and the others are solved without it.
        if (galvanostatic && matrix[0, 0] == 0)
            throw new InvalidOperationException(
                "the positive electrode carries no Faradaic current: it has no Li|electrolyte interface left that can react");
        int[] live = Enumerable.Range(0, m).Where(kk => matrix[kk, kk] != 0).ToArray();
        var build = MathNet.Numerics.LinearAlgebra.Vector<double>.Build;
        var solved = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build
            .Dense(live.Length, live.Length, (a, b) => matrix[live[a], live[b]])
            .Solve(build.Dense(live.Length, a => rhs[live[a]]));
        var delta = build.Dense(m);
        for (int a = 0; a < live.Length; a++) delta[live[a]] = solved[a];
        double change = 0;
        for (int kk = 0; kk < m; kk++)
        {
            if (!double.IsFinite(delta[kk]))
                throw new InvalidOperationException($"body {unknowns[kk]} carries no Faradaic current: its potential is undetermined");
            _bodyPotential[unknowns[kk]] += (float)delta[kk];
            change = Math.Max(change, Math.Abs(delta[kk]));
        }
        State.BodyPotential.Upload(_bodyPotential);
        return change;
    }

    /// <summary>
    /// Σ∂ξ/∂t [1/s] each isolated body is asked to carry this step: (M_ref − M)/Δt_last, the current
    /// that gives back what rounding and clamping took in the last step (0 before the first step).
    /// </summary>
    private double[] IsolatedBodyTargets()
    {
        var t = new double[State.MaxBodies];
        if (LastStepS > 0)
            for (int k = 2; k < 2 + IsolatedBodies; k++)
                t[k] = (BodyMassReference[k] - _ops.BodySum(State.Xi, State.Label, k)) / LastStepS;
        return t;
    }

    /// <summary>The last response solve that missed its tolerance (null if none).</summary>
    public SolveReport? LastResponseSolve { get; private set; }

    /// <summary>Centre of mass of a body along z [m] (its ξ-weighted mean cell height).</summary>
    public double CentreOfMassZ(int body)
    {
        double mass = _ops.BodySum(State.Xi, State.Label, body);
        return mass > 0 ? _ops.BodyMoment(State, Shape, body) / mass * Grid.SpacingM : double.NaN;
    }

    /// <summary>Faradaic current of a body [A] (after ComputeRates).</summary>
    public double BodyCurrentA(int body) => Scaling.CurrentA(_ops.BodySum(State.Rate, State.Label, body));

    /// <summary>Φ_k of a body [V].</summary>
    public double BodyPotentialV(int body) => _bodyPotential[body] * Scaling.ThermalVoltageV;

    /// <summary>∂ξ/∂t everywhere at the current φ; the body currents and max |∂ξ/∂t|.</summary>
    public RateReport ComputeRates()
    {
        _ops.LiPhaseRate(State, Shape, Li);
        float max = _ops.MaxAbs(State.Rate);
        double neg = Scaling.CurrentA(_ops.BodySum(State.Rate, State.Label, Bodies.Negative));
        double pos = Scaling.CurrentA(_ops.BodySum(State.Rate, State.Label, Bodies.Positive));
        return new RateReport(max, neg, pos);
    }

    /// <summary>ξ ← ξ + Δt ∂ξ/∂t (forward Euler, clamped to [0, 1]).</summary>
    public void AdvanceLiPhase(double dtS)
    {
        _ops.AdvanceLiPhase(State, (float)dtS, Li.FilmFloor);
        LastStepS = dtS;
    }

    /// <summary>Re-labels the metal bodies after ξ changed; returns the sweeps it took.</summary>
    public int UpdateBodies()
    {
        int sweeps = 0;
        while (_ops.PropagateLabels(State, Shape, Scaling.Li.LabelThreshold, Scaling.Li.RimThreshold,
                   Case.PhaseField.CrackFaceConduction, Case.PhaseField.ThinSheets) > 0)
        {
            sweeps++;
            if (sweeps > 4 * (Grid.Nx + Grid.Ny + Grid.Nz) + 16)
                throw new InvalidOperationException("body labelling did not converge");
        }
        return sweeps;
    }

    /// <summary>Li volume [m³] of one body (Bodies.Negative …) or of the whole domain (Bodies.AllCells).</summary>
    public double LiVolumeM3(int body) => _ops.BodySum(State.Xi, State.Label, body) * Grid.CellVolumeM3;

    /// <summary>
    /// The tip of the negative electrode's deepest Li along z: height of the ξ = ½ crossing [m] from the
    /// negative electrode's outer face, its (i, j) column, and the current density through that column
    /// from the charge equation, j = (F/V_m) h Σ_column ∂ξ/∂t [A/m²] (call after ComputeRates).
    /// With thin sheets, a sheet reaching higher than the ξ = ½ tip is the tip: its edge height
    /// (SheetTipRule) and the current density through its edge, j = (F/V_m) h (∂ξ/∂t)_edge / ξ_s.
    /// </summary>
    public (double HeightM, int I, int J, double CurrentDensityAPerM2)? NegativeTip()
    {
        long key = _ops.Tip(State, Shape, Bodies.Negative);
        float edgeFill = Scaling.Li.SheetEdgeFill;
        int normal = Scaling.Li.SheetNormalAxis;
        long sheetKey = Case.PhaseField.ThinSheets ? _ops.SheetTip(State, Shape, Bodies.Negative, edgeFill, normal) : long.MinValue;
        if (sheetKey > key)
        {
            (double zs, int si, int sj) = TipKey(sheetKey);
            int k = Math.Min((int)Math.Floor(zs), Grid.Nz - 1) - Shape.ZOffset; // local plane; off this slab: no cell matches
            int target = k >= 0 && k < Shape.Nz ? Shape.Index(si, sj, k) : -1;
            double advance = _ops.SheetTipAdvance(State, Shape, target, edgeFill, normal);
            return (zs * Grid.SpacingM, si, sj, Scaling.Faraday / Scaling.MolarVolume * Grid.SpacingM * advance);
        }
        if (key == long.MinValue) return null;
        (double z, int i, int j) = TipKey(key);
        double sum = _ops.ColumnSum(State.Rate, State.Label, Bodies.Negative, Shape, i, j);
        double jTip = Scaling.Faraday / Scaling.MolarVolume * Grid.SpacingM * sum;
        return (z * Grid.SpacingM, i, j, jTip);
    }

    private (double Z, int I, int J) TipKey(long key)
    {
        int column = (int)(key & ((1L << 28) - 1));
        return ((key >> 28) / 4096.0, column % Grid.Nx, column / Grid.Nx);
    }

    public void Dispose()
    {
        _cg.Dispose();
        _phiLow.Dispose();
        _residual.Dispose();
        _correction.Dispose();
        _creep?.Dispose();
        _phiAtStart.Dispose();
        _phiBAtStart.Dispose();
        State.Dispose();
    }
}

/// <summary>A potential solve abandoned between Newton iterations (a signal): the model's fields are as at the solve's start.</summary>
public sealed class SolveAbandonedException(int newtonIterations)
    : OperationCanceledException($"potential solve abandoned after {newtonIterations} Newton iteration(s)")
{
    public int NewtonIterations { get; } = newtonIterations;
}
