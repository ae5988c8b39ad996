using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Solvers;

namespace PhaseFieldLi.Models;

/// <summary>
/// One staggered u–d solve: iterations, the last elastic solve, the last max |Δd|, whether it
/// converged, and max |Δd| of every iteration (<see cref="Changes"/>: how it went, for the log).
/// </summary>
public sealed record StaggerReport(int Iterations, SolveReport LastElasticSolve, double MaxDamageChange, bool Converged,
    double ElasticEnergyJ, double StepDamageChange = 0)
{
    public IReadOnlyList<double> Changes { get; init; } = [];

    /// <summary>The iterations' max |Δd| for a log line: all of them, or the first three and the last three.</summary>
    public string ChangeHistory()
    {
        static string F(IEnumerable<double> v) => string.Join(" ", v.Select(x => x.ToString("0.##E+0", System.Globalization.CultureInfo.InvariantCulture)));
        return Changes.Count <= 8 ? F(Changes) : $"{F(Changes.Take(3))} … {F(Changes.Skip(Changes.Count - 3))}";
    }
}

/// <summary>
/// Elasticity and AT2 phase-field fracture of the LLZO (MODEL.md §3, Physics/Mechanics.cs), on the
/// cell fields ξ, d and material of an electrodeposition model's <see cref="State"/>. The named steps
/// of one load step: <see cref="SolveDisplacement"/> (Q1 elements, Jacobi-preconditioned CG) →
/// <see cref="UpdateHistory"/> (H = max(H, ψ⁺), stresses for output) → <see cref="AdvanceDamage"/>
/// (multigrid-CG on the anisotropic damage equation, then d ≥ d at the start of the step), repeated
/// by <see cref="Stagger"/> until max |Δd| &lt; stagger_tolerance. On a rank's slab (a distributed
/// run) the same steps run on the slab's cells and nodes: the slab operations fill the nodal ghost
/// planes, this class the ghost planes of ξ and d when they change, and the multigrids are the
/// distributed ones (DistributedElasticMultigrid, DistributedMultigrid).
/// </summary>
public sealed class FractureModel : IDisposable
{
    private readonly IOperations _ops;
    private readonly State _state;
    private readonly Scaling _scaling;
    private readonly MechanicsSettings _settings;
    private readonly ConjugateGradient _elastic;
    private readonly IElasticMultigrid? _multigrid; // owned (and disposed) by _elastic
    private readonly ConjugateGradient _damage;
    private readonly Field<float> _load, _inverseDiagonal, _ones, _damageShift, _damageRhs, _solvedDamage, _damageFloor;
    private readonly Field<float>? _lift;
    private readonly ElasticOperator _operator;
    private readonly IPartition _partition;

    public FractureModel(ElectrodepositionModel electrochemistry)
        : this(electrochemistry.Backend, electrochemistry.Ops, electrochemistry.Partition, electrochemistry.State, electrochemistry.Shape, electrochemistry.Scaling,
            electrochemistry.Case.Mechanics ?? throw new CaseException("mechanics", "(missing)", "the case has no [mechanics] table"))
    {
    }

    public FractureModel(Backend backend, IOperations ops, IPartition partition, State state, GridShape cells, Scaling scaling,
        MechanicsSettings settings)
    {
        _ops = ops;
        _state = state;
        _scaling = scaling;
        _settings = settings;
        _partition = partition;
        Cells = cells;
        Nodes = new GridShape(cells.Nx + 1, cells.Ny + 1, cells.Nz + 1) { ZOffset = cells.ZOffset };
        int dofs = 3 * Nodes.Count;
        Displacement = backend.Float("displacement", dofs);
        _load = backend.Float("elastic_load", dofs);
        _inverseDiagonal = backend.Float("elastic_inverse_diagonal", dofs);
        _lift = settings.Top == TopLoad.Displacement ? backend.Float("elastic_lift", dofs) : null;
        History = backend.Float("history", cells.Count);
        VonMises = backend.Float("von_mises", cells.Count);
        Pressure = backend.Float("pressure", cells.Count);
        EnergyDensity = backend.Float("energy_density", cells.Count);
        _ones = backend.Float("damage_conductivity", cells.Count);
        _damageShift = backend.Float("damage_shift", cells.Count);
        _damageRhs = backend.Float("damage_rhs", cells.Count);
        _solvedDamage = backend.Float("damage_solved", cells.Count);
        _damageFloor = backend.Float("damage_floor", cells.Count);
        InitialXi = backend.Float("xi_initial", cells.Count);
        _partition.FillGhosts(state.Xi);
        ops.Copy(state.Xi, InitialXi);
        _partition.FillGhosts(InitialXi);
        ops.Fill(_ones, 1f);
        _partition.FillGhosts(_ones); // the damage operator's conductivity, read at the neighbours
        // A grid that cannot coarsen (an odd cell count) gets Jacobi: one level is no multigrid.
        var multigrids = WholeGridMultigrids.For(backend); // the backend's own across ranks, else the whole grid's
        _multigrid = settings.Preconditioner != ElasticPreconditioner.Multigrid || !ElasticMultigrid.CanCoarsen(_partition.Global) ? null
            : multigrids.CreateElasticMultigrid(ops, cells);
        _elastic = new ConjugateGradient(backend, ops, dofs,
            _multigrid != null ? _multigrid : new DiagonalPreconditioner(ops, _inverseDiagonal));
        _damage = new ConjugateGradient(backend, ops, cells, multigrids.CreateMultigrid(ops, cells));
        _operator = new ElasticOperator(this);
        System = BuildSystem(0);
        History.Upload(InitialHistory(state.Damage.ToArray(), scaling.DamageDrive(settings)));
    }

    /// <summary>
    /// The first mechanics field holding NaN or ±Inf (u, d, H, σ_vM, p, ψ), or null: the watchdog of
    /// fracture and coupled runs (one device maximum of |x| per field).
    /// </summary>
    public string? NonFiniteField()
    {
        foreach (var (name, field) in new[] { ("displacement", Displacement), ("damage", _state.Damage), ("history", History),
                     ("von_mises", VonMises), ("pressure", Pressure), ("energy_density", EnergyDensity) })
            if (!float.IsFinite(_ops.MaxAbs(field))) return name;
        return null;
    }

    /// <summary>The mechanics state on the host, for a checkpoint.</summary>
    public MechanicsFields Save() => new(Displacement.ToArray(), History.ToArray(), InitialXi.ToArray(), Pressure.ToArray(),
        VonMises.ToArray(), EnergyDensity.ToArray());

    /// <summary>Puts a coupled run's mechanics state back from its checkpoint.</summary>
    public void Restore(MechanicsFields m)
    {
        if (m.Displacement.Length != Displacement.Length || m.History.Length != History.Length)
            throw new ArgumentException($"checkpoint mechanics have {m.History.Length} cells, the case {History.Length}");
        Displacement.Upload(m.Displacement);
        History.Upload(m.History);
        InitialXi.Upload(m.InitialXi);
        _partition.FillGhosts(InitialXi);
        Pressure.Upload(m.Pressure);
        VonMises.Upload(m.VonMises);
        EnergyDensity.Upload(m.EnergyDensity);
    }

    /// <summary>Largest c·H of a given crack: d = cH/(1 + cH) = 0.9999.</summary>
    public const float GivenCrackDrive = Mechanics.MaxDamageDrive;

    /// <summary>
    /// A given flaw (d₀ &gt; 0) enters as history (Borden et al. 2012): H₀ = d₀/((1 − d₀) c), so that the
    /// damage equation holds d₀ without a load and its profile around the flaw forms by itself.
    /// </summary>
    public static float[] InitialHistory(float[] damage, float drive)
    {
        var h = new float[damage.Length];
        for (int n = 0; n < h.Length; n++)
        {
            float d = damage[n];
            if (d <= 0f) continue;
            h[n] = (d >= 1f ? GivenCrackDrive : Math.Min(GivenCrackDrive, d / (1f - d))) / drive;
        }
        return h;
    }

    public GridShape Cells { get; }
    public GridShape Nodes { get; }

    /// <summary>u on the cell corners, 3 × nodes (x block, y block, z block), in units of h.</summary>
    public Field<float> Displacement { get; }
    /// <summary>H: the largest tensile energy density of the intact LLZO so far [E_LLZO].</summary>
    public Field<float> History { get; }
    /// <summary>von Mises stress per cell [E_LLZO] (after <see cref="UpdateHistory"/>).</summary>
    public Field<float> VonMises { get; }
    /// <summary>Pressure −tr σ/3 per cell [E_LLZO] (after <see cref="UpdateHistory"/>).</summary>
    public Field<float> Pressure { get; }
    /// <summary>Stored elastic energy density ψ = ½ σ:(ε − ε*) per cell [E_LLZO] (after <see cref="UpdateHistory"/>).</summary>
    public Field<float> EnergyDensity { get; }

    /// <summary>The element passes' inputs at the current load.</summary>
    public ElasticSystem System { get; private set; }

    public MechanicsSettings Settings => _settings;
    public double StressUnitPa => _scaling.StressUnitPa(_settings);

    private ElasticSystem BuildSystem(double timeS) => new(Cells, Nodes, _scaling.Boundary(_settings),
        _scaling.Mechanics(_settings, timeS) with
        {
            Growth = GrowthOn ? 1f : 0f, CleavageAxis = _settings.CleavageAxis,
            Split = _settings.Split == EnergySplit.Spectral ? MechanicsParameters.Spectral : MechanicsParameters.VolumetricDeviatoric,
        },
        _state.Xi, _state.Damage, _state.Material, InitialXi);

    /// <summary>ξ at the start (Li already in a flaw is stress-free; only Li plated since then opens cracks).</summary>
    public Field<float> InitialXi { get; }

    /// <summary>Whether plated Li opens the crack it fills (the coupled model; off for fracture-only runs).</summary>
    public bool GrowthOn { get; private set; }

    /// <summary>Switches the deposition growth strain on (coupled electro-chemo-mechanics).</summary>
    public void EnableGrowthStrain(double timeS = 0)
    {
        GrowthOn = true;
        System = BuildSystem(timeS);
    }

    /// <summary>Sets the loads of time t (the crack-pressure ramp).</summary>
    public void SetLoad(double timeS) => System = BuildSystem(timeS);

    /// <summary>The elastic CG's preconditioner in words (for the run's log).</summary>
    public string ElasticPreconditionerDescription => _multigrid?.Describe() ?? "Jacobi";

    /// <summary>Levels of the elastic multigrid (0 when the elastic CG is Jacobi-preconditioned).</summary>
    public int ElasticLevels => _multigrid?.Levels ?? 0;

    /// <summary>Solves K(ξ, d) u = f for the displacement (warm start from the last u).</summary>
    public SolveReport SolveDisplacement()
    {
        var m = System;
        // The element passes read ξ and d on the ghost cell plane below (both change between solves).
        _partition.FillGhosts(_state.Xi);
        _partition.FillGhosts(_state.Damage);
        _ops.Fill(_load, 0f);
        _ops.ElasticLoad(m, _load);
        if (_lift is { } lift)
        {
            // Prescribed top displacement ū: b_free = f − K ū, b_prescribed = ū.
            _ops.Fill(lift, 0f);
            _ops.ElasticConstraint(m, lift, lift, copy: false);
            _ops.Fill(_inverseDiagonal, 0f);
            _ops.ElasticForce(m, lift, _inverseDiagonal, mask: false);
            _ops.Axpy(-1f, _inverseDiagonal, _load);
        }
        _ops.ElasticConstraint(m, _load, _load, copy: false);
        _ops.ElasticConstraint(m, _load, Displacement, copy: true);

        _ops.Fill(_inverseDiagonal, 0f);
        _ops.ElasticDiagonal(m, _inverseDiagonal); // prescribed rows keep the element diagonal: still a positive scaling
        _ops.Reciprocal(_inverseDiagonal);
        _multigrid?.Prepare(m, _inverseDiagonal);
        _elastic.Prepare(_operator);
        return _elastic.Solve(_load, Displacement, _settings.Tolerance, _settings.MaxIterations);
    }

    /// <summary>
    /// The last elastic system solved again from u = 0, with its set-up (loads, diagonal, multigrid
    /// levels) reused: the benchmark's measure of one elastic MG-CG iteration. Call after a
    /// <see cref="SolveDisplacement"/>; u ends as that solve left it, to the tolerance.
    /// </summary>
    public SolveReport ResolveDisplacementFromZero()
    {
        _ops.Fill(Displacement, 0f);
        _ops.ElasticConstraint(System, _load, Displacement, copy: true);
        return _elastic.Solve(_load, Displacement, _settings.Tolerance, _settings.MaxIterations);
    }

    /// <summary>H = max(H, ψ⁺), von Mises stress and pressure per cell; returns the elastic energy [J].</summary>
    public double UpdateHistory()
    {
        double energy = _ops.ElasticState(System, Displacement, History, VonMises, Pressure, EnergyDensity);
        double h = _scaling.SpacingM;
        return energy * StressUnitPa * h * h * h;
    }

    /// <summary>One damage solve with the current H; d = min(max(d_solved, d_step_start), 1). Returns max |Δd|.</summary>
    public (SolveReport Solve, float MaxChange) AdvanceDamage()
    {
        _ops.DamageAssembly(History, _damageShift, _damageRhs, _scaling.DamageReaction(_settings), _scaling.DamageDrive(_settings));
        _damage.Prepare(new HelmholtzProblem(Cells, _ones, _damageShift, Scaling.DamageSpec(_settings)));
        _ops.Copy(_state.Damage, _solvedDamage);
        // d lies in [0, 1]: stop at an RMS residual of DamageTolerance per cell, not relative to ‖b‖,
        // which the fully cracked cells dominate.
        double bNorm = Math.Sqrt(_ops.Dot(_damageRhs, _damageRhs));
        double tolerance = bNorm > 0 ? Math.Min(1e-3, DamageTolerance * Math.Sqrt(_partition.Global.Count) / bNorm) : DamageTolerance;
        var report = _damage.Solve(_damageRhs, _solvedDamage, tolerance, 500);
        float change = _ops.DamageIrreversibility(_solvedDamage, _damageFloor, _state.Damage, (float)_settings.StaggerRelaxation);
        _partition.FillGhosts(_state.Damage); // the Li phase's stencils read d at the neighbours
        return (report, change);
    }

    /// <summary>RMS residual per cell at which the damage solve stops.</summary>
    public const double DamageTolerance = 1e-6;

    /// <summary>The staggered u–d iteration of one load step.</summary>
    public StaggerReport Stagger()
    {
        _ops.Copy(_state.Damage, _damageFloor);
        SolveReport elastic = default;
        double change = double.PositiveInfinity, energy = 0;
        var changes = new List<double>();
        for (int it = 1; it <= _settings.StaggerMaxIterations; it++)
        {
            elastic = SolveDisplacement();
            energy = UpdateHistory();
            change = AdvanceDamage().MaxChange;
            changes.Add(change);
            if (change < _settings.StaggerTolerance)
            {
                SolveDisplacement();
                energy = UpdateHistory();
                return new StaggerReport(it, elastic, change, elastic.Converged, energy, StepDamageChange()) { Changes = changes };
            }
        }
        return new StaggerReport(_settings.StaggerMaxIterations, elastic, change, false, energy, StepDamageChange()) { Changes = changes };
    }

    /// <summary>max |d − d_step_start| of the load/time step just staggered.</summary>
    private double StepDamageChange()
    {
        _ops.Copy(_state.Damage, _solvedDamage);
        _ops.Axpy(-1f, _damageFloor, _solvedDamage);
        return _ops.MaxAbs(_solvedDamage);
    }

    /// <summary>
    /// Crack area projected on the cleavage plane [m²] (lines of cells along M holding a LLZO cell with
    /// d &gt; ½, times h²) and the crack's largest in-plane distance from the corner line [m] — reductions
    /// on the device (Physics/Mechanics.cs, CrackLinesRule).
    /// </summary>
    public (double AreaM2, double ExtentM) CrackSize()
    {
        var (lines, extent) = _ops.CrackLines(Cells, _state.Damage, _state.Material, _settings.CleavageAxis);
        double h = _scaling.SpacingM;
        return (lines * h * h, extent * h);
    }

    /// <summary>
    /// Size of the Li leaf (ξ &gt; ½ in LLZO, not the positive electrode's; crack = false) or of the crack
    /// (d &gt; ½; crack = true) [m],
    /// mirrored across the low symmetry faces: thickness along the cleavage normal M (twice the most
    /// cells on one line along M), width along the first in-plane axis (twice its largest extent from
    /// the low face), height along the second (its span). NaN when there is none. Device reductions
    /// (LeafExtentRule). With thin sheets the leaf includes cracked cells holding a sheet thicker than
    /// 1 % of a cell, and its thickness is the largest line sum of ξ h (the sub-cell sheet).
    /// </summary>
    public (double ThicknessM, double WidthM, double HeightM) LeafSize(bool crack)
    {
        int axis = _settings.CleavageAxis, c = crack ? 1 : 0;
        int sheets = !crack && _scaling.Li.SheetReactivity > 0f ? 1 : 0;
        long M(int measure) => _ops.LeafExtent(Cells, _state.Xi, _state.Damage, _state.Material, _state.Label, axis, c, measure, sheets);
        long thick = M(LeafMeasure.LineThickness);
        if (thick == long.MinValue) return (double.NaN, double.NaN, double.NaN);
        double h = _scaling.SpacingM;
        double cells = sheets != 0 ? thick / 4096.0 : thick;
        return (2 * cells * h, 2 * M(LeafMeasure.ExtentA) * h, (M(LeafMeasure.ExtentB) + M(LeafMeasure.NegativeLowB)) * h);
    }

    /// <summary>Largest pressure −tr σ/3 in a LLZO cell holding Li (ξ &gt; ½) [Pa]; NaN if none (a device reduction).</summary>
    public double MaxLiPressurePa() => _ops.MaxLiPressure(_state.Xi, Pressure, _state.Material) * StressUnitPa;

    /// <summary>
    /// Mean pressure −tr σ/3 over the LLZO cells holding Li (ξ &gt; ½) [Pa]; NaN if none (a device
    /// reduction). A measure that converges in h, where the largest cell's pressure does not.
    /// </summary>
    public double MeanLiPressurePa()
    {
        var (pressure, cells) = _ops.LiPressureSums(_state.Xi, Pressure, _state.Material);
        return cells > 0 ? pressure / cells * StressUnitPa : double.NaN;
    }

    /// <summary>u at node (i, j, k), component c [m].</summary>
    public double DisplacementM(float[] u, int i, int j, int k, int c) => u[Nodes.Index(i, j, k) + c * Nodes.Count] * _scaling.SpacingM;

    /// <summary>K restricted to the free unknowns, identity on the prescribed ones (SPD).</summary>
    private sealed class ElasticOperator(FractureModel m) : ILinearOperator
    {
        public void Apply(Field<float> p, Field<float> q, DeviceScalars s, int register)
        {
            Force(p, q);
            m._ops.DotInto(p, q, s, register);
        }

        /// <summary>q = K p on the free unknowns, p on the prescribed ones.</summary>
        private void Force(Field<float> p, Field<float> q)
        {
            m._ops.Fill(q, 0f);
            m._ops.ElasticForce(m.System, p, q, mask: true);
            m._ops.ElasticConstraint(m.System, p, q, copy: true);
        }

        public double Residual(Field<float> b, Field<float> x, Field<float> r)
        {
            Force(x, r);
            m._ops.Axpby(1f, b, -1f, r);
            return m._ops.Dot(r, r);
        }
    }

    public void Dispose()
    {
        foreach (var f in new IDisposable?[] { InitialXi, Displacement, _load, _inverseDiagonal, _lift, History, VonMises, Pressure, EnergyDensity, _ones, _damageShift,
                     _damageRhs, _solvedDamage, _damageFloor, _elastic, _damage })
            f?.Dispose();
    }
}
