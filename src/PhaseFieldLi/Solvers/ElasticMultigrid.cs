using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Solvers;

/// <summary>
/// Geometric multigrid V-cycle for the Q1 elasticity operator, a preconditioner for CG. Vertex-centred
/// levels (coarse nodes = even fine nodes, coarse cell = 2 × 2 × 2 fine cells) while every cell
/// count is even and at least 4; trilinear prolongation P of all three components together, R = Pᵀ.
/// Coarse operators are re-discretised: each coarse element is LLZO whose degradation carries the
/// mean stiffness factor μ_e/μ_LLZO of its 8 fine elements, with the moduli doubled per level (a Q1
/// stiffness matrix scales with h, and every level works in unit spacing), so K_c ≈ Pᵀ K P. The
/// smoother is damped Jacobi on the vector operator (ω from a power iteration, 2 sweeps before and
/// after). Prescribed components (rollers, a held top) are identity rows: the V-cycle zeroes their
/// residual before restricting and passes them through.
///
/// One V-cycle over a list of levels, each with its partition and operations, and a solve of the last:
/// - one process (<see cref="ElasticMultigrid(Backend, IOperations, GridShape)"/>): every level on the
///   whole grid (its ghost fills are no-ops); the last level solved directly on the host where its band
///   fits (<see cref="ElasticCoarseDirectSolve"/>), else by Jacobi-PCG to 1e-2;
/// - z-slabs across ranks (PhaseFieldLi.Distributed.DistributedElasticMultigrid builds it): the levels
///   on slabs, the ghost planes each pass reads filled first, and the last level gathered onto every
///   rank, where a one-process elastic multigrid finishes the cycle.
/// </summary>
public sealed class ElasticMultigrid : IElasticMultigrid
{
    /// <summary>One level: its cells on this process, its partition and operations, and its fields.</summary>
    public sealed class Level(IPartition partition, IOperations ops)
    {
        public IPartition Partition { get; } = partition;
        public IOperations Ops { get; } = ops;
        public GridShape Cells => Partition.Local;
        /// <summary>The level's nodes on this process, with its cells' z offset.</summary>
        public GridShape Nodes => new(Cells.Nx + 1, Cells.Ny + 1, Cells.Nz + 1) { ZOffset = Cells.ZOffset };
        public ElasticSystem System;
        public Field<float> X = null!, B = null!, R = null!, InverseDiagonal = null!, Factor = null!;
        /// <summary>Jacobi damping of this level, from its largest eigenvalue of D⁻¹A.</summary>
        public float Omega = 0.6f;
        public Field<float>? Xi, Damage;
        public Field<int>? Material;

        /// <summary>The finest level: its stiffness factor and residual (x, b and D⁻¹ are the caller's).</summary>
        public static Level Fine(IPartition partition, IOperations ops, Func<string, int, Field<float>> allocate, string prefix)
        {
            var level = new Level(partition, ops);
            level.Factor = allocate($"{prefix}_factor_0", level.Cells.Count);
            level.R = allocate($"{prefix}_r_0", 3 * level.Nodes.Count);
            return level;
        }

        /// <summary>A coarse level's own arrays: x, b, r, D⁻¹ per node; stiffness factor, ξ, d and material per cell.</summary>
        public static Level Coarse(IPartition partition, IOperations ops, int l, Func<string, int, Field<float>> allocate,
            Func<string, int, Field<int>> allocateInt, string prefix)
        {
            var level = new Level(partition, ops);
            int dofs = 3 * level.Nodes.Count, cells = level.Cells.Count;
            level.X = allocate($"{prefix}_x_{l}", dofs);
            level.B = allocate($"{prefix}_b_{l}", dofs);
            level.R = allocate($"{prefix}_r_{l}", dofs);
            level.InverseDiagonal = allocate($"{prefix}_inverse_diagonal_{l}", dofs);
            level.Factor = allocate($"{prefix}_factor_{l}", cells);
            level.Xi = allocate($"{prefix}_xi_{l}", cells);
            level.Damage = allocate($"{prefix}_damage_{l}", cells);
            level.Material = allocateInt($"{prefix}_material_{l}", cells); // 0 = LLZO
            return level;
        }
    }

    /// <summary>The solve of the last level.</summary>
    public interface ICoarsestSolve : IDisposable
    {
        /// <summary>After the last level's system is built (<paramref name="level"/> its index; its own system only below the finest).</summary>
        void Setup(Level last, in ElasticSystem fine, ElasticBoundary coarseBoundary, int level);
        /// <summary>x of the last level from its b.</summary>
        void Solve(Level last, Field<float> b, Field<float> x);
        /// <summary>Levels below the last one (a gathered multigrid's own), for the level count.</summary>
        int LevelsBelow => 0;
    }

    /// <summary>
    /// The last level of a one-process multigrid: a banded Cholesky factor on the host where its band
    /// fits, else Jacobi-PCG to 1e-2 in at most 500 iterations.
    /// </summary>
    private sealed class DirectOrCg : ICoarsestSolve
    {
        private readonly IOperations _ops;
        private readonly ConjugateGradient _cg;
        private readonly ElasticCoarseDirectSolve _direct;
        private ElasticSystem _system;
        public bool IsDirect { get; private set; }
        public int Iterations { get; private set; }

        public DirectOrCg(Backend backend, Level last)
        {
            _ops = last.Ops;
            _cg = new ConjugateGradient(backend, last.Ops, 3 * last.Nodes.Count, new DiagonalPreconditioner(last.Ops, last.InverseDiagonal));
            _direct = new ElasticCoarseDirectSolve(backend, last.Ops, last.Nodes);
        }

        public void Setup(Level last, in ElasticSystem fine, ElasticBoundary coarseBoundary, int level)
        {
            _system = last.System;
            _cg.Prepare(new Operator(this));
            IsDirect = _direct.Setup(last.System, last.B, last.R);
            Iterations = 0;
        }

        public void Solve(Level last, Field<float> b, Field<float> x)
        {
            if (IsDirect)
            {
                _direct.Solve(b, x);
                return;
            }
            _ops.Fill(x, 0f);
            Iterations += _cg.Solve(b, x, 1e-2, 500).Iterations;
        }

        private sealed class Operator(DirectOrCg solve) : ILinearOperator
        {
            public void Apply(Field<float> p, Field<float> q, DeviceScalars s, int register)
            {
                ElasticSmoother.Operator(solve._ops, solve._system, p, q);
                solve._ops.DotInto(p, q, s, register);
            }

            public double Residual(Field<float> b, Field<float> x, Field<float> r)
            {
                ElasticSmoother.Residual(solve._ops, solve._system, b, x, r);
                return solve._ops.Dot(r, r);
            }
        }

        public void Dispose()
        {
            _cg.Dispose();
            _direct.Dispose();
        }
    }

    private readonly List<Level> _levels;
    private readonly ICoarsestSolve _coarsest;
    private readonly Field<float> _power; // fine-level scratch of the power iteration
    private readonly List<IDisposable> _owned;
    private readonly Func<string>? _describe;

    /// <summary>The one-process elastic multigrid of a grid of cells (every count even and ≥ 4).</summary>
    public ElasticMultigrid(Backend backend, IOperations ops, GridShape cells)
    {
        if (!CanCoarsen(cells))
            throw new ArgumentException($"elastic multigrid: {cells.Nx} × {cells.Ny} × {cells.Nz} cells have no coarser level (use Jacobi)");
        _owned = [];
        Field<float> F(string name, int n) => Own(backend.Float(name, n));
        Field<int> I(string name, int n) => Own(backend.Int(name, n));
        _levels = [Level.Fine(new WholeGrid(cells), ops, F, "emg")];
        _power = F("emg_power", 3 * _levels[0].Nodes.Count);
        var c = cells;
        while (CanCoarsen(c))
        {
            c = new GridShape(c.Nx / 2, c.Ny / 2, c.Nz / 2);
            _levels.Add(Level.Coarse(new WholeGrid(c), ops, _levels.Count, F, I, "emg"));
        }
        _coarsest = new DirectOrCg(backend, _levels[^1]);
    }

    /// <summary>An elastic multigrid over given levels (level 0 the finest) and a solve of the last; it owns the fields listed.</summary>
    public ElasticMultigrid(List<Level> levels, ICoarsestSolve coarsest, Field<float> power, List<IDisposable> owned, Func<string>? describe = null)
    {
        (_levels, _coarsest, _power, _owned, _describe) = (levels, coarsest, power, owned, describe);
    }

    private T Own<T>(T field) where T : IDisposable
    {
        _owned.Add(field);
        return field;
    }

    /// <summary>Whether the last set-up factored the coarsest level (else Jacobi-PCG solves it).</summary>
    public bool CoarsestIsDirect => _coarsest is DirectOrCg { IsDirect: true };

    /// <summary>Whether a grid of these cells has a coarser level (every count even and ≥ 4).</summary>
    public static bool CanCoarsen(GridShape c) =>
        c.Nx % 2 == 0 && c.Ny % 2 == 0 && c.Nz % 2 == 0 && Math.Min(c.Nx, Math.Min(c.Ny, c.Nz)) >= 4;

    /// <summary>Number of levels, the fine one included.</summary>
    public int Levels => _levels.Count + _coarsest.LevelsBelow;

    /// <summary>Total CG iterations of the coarsest-level solves since the last <see cref="Prepare"/>.</summary>
    public int CoarseIterations => (_coarsest as DirectOrCg)?.Iterations ?? 0;

    public string Describe() => _describe?.Invoke() ?? "elastic multigrid";

    /// <summary>
    /// Builds the coarse operators for the fine system (call whenever ξ, d or the material change): per
    /// level the stiffness factor of its 2 × 2 × 2 children, its effective damage and its system, then
    /// each smoothed level's damping, then the last level's solve. A pass that reads a level's
    /// neighbour cells has that level's ghost planes filled first (nothing to fill on one process).
    /// </summary>
    public void Prepare(in ElasticSystem fine, Field<float> fineInverseDiagonal)
    {
        var f = _levels[0];
        f.System = fine;
        f.InverseDiagonal = fineInverseDiagonal;
        f.Ops.ElasticStiffnessFactor(fine, f.Factor);
        var coarseBoundary = fine.Boundary with { TopValue = 0f };
        for (int l = 1; l < _levels.Count; l++)
        {
            var lv = _levels[l];
            var up = _levels[l - 1];
            up.Partition.FillGhosts(up.Factor); // a coarse cell's upper children may be the fine ghost plane
            lv.Ops.CoarsenCells(up.Cells, lv.Cells, up.Factor, lv.Factor);
            lv.Ops.EffectiveDamage(lv.Factor, lv.Damage!, fine.P.ResidualStiffness);
            lv.Partition.FillGhosts(lv.Damage!); // the element passes read the ghost cell plane below
            lv.System = ElasticSmoother.CoarseSystem(fine, coarseBoundary, l, lv.Cells, lv.Nodes, lv.Xi!, lv.Damage!, lv.Material!);
            ElasticSmoother.InverseDiagonal(lv.Ops, lv.System, lv.InverseDiagonal);
        }
        for (int l = 0; l < _levels.Count - 1; l++)
        {
            var lv = _levels[l];
            lv.Omega = ElasticSmoother.Damping(lv.Ops, lv.System, lv.InverseDiagonal, lv.R, l == 0 ? _power : lv.B);
        }
        _coarsest.Setup(_levels[^1], fine, coarseBoundary, _levels.Count - 1);
    }

    public void Setup(HelmholtzProblem problem) { } // the elastic system comes through Prepare

    /// <summary>z = V-cycle(r); prescribed rows pass through (z = r there).</summary>
    public void Apply(Field<float> r, Field<float> z)
    {
        Cycle(0, r, z);
        _levels[0].Ops.ElasticConstraint(_levels[0].System, r, z, copy: true);
    }

    private void Cycle(int l, Field<float> b, Field<float> x)
    {
        var lv = _levels[l];
        if (l == _levels.Count - 1)
        {
            _coarsest.Solve(lv, b, x);
            return;
        }
        var down = _levels[l + 1];
        ElasticSmoother.PreSmooth(lv.Ops, lv.System, lv.InverseDiagonal, lv.Omega, b, x, lv.R);
        lv.Partition.FillNodeGhosts(lv.R); // the coarse node's fine neighbours one plane below and above
        down.Ops.NodalRestrict(lv.Nodes, down.Nodes, lv.R, down.B);
        ElasticSmoother.ZeroPrescribed(down.Ops, down.System, down.B);
        Cycle(l + 1, down.B, down.X);
        if (l + 1 < _levels.Count - 1) down.Partition.FillNodeGhosts(down.X); // the last level's come with its solve
        lv.Ops.NodalProlongAdd(down.Nodes, lv.Nodes, down.X, x);
        ElasticSmoother.PostSmooth(lv.Ops, lv.System, lv.InverseDiagonal, lv.Omega, b, x, lv.R);
    }

    public void Dispose()
    {
        _coarsest.Dispose();
        foreach (var f in _owned) f.Dispose();
    }
}

/// <summary>The elasticity multigrid as the elastic CG's preconditioner: set up for each new system.</summary>
public interface IElasticMultigrid : IPreconditioner
{
    /// <summary>Builds the coarse operators for the fine system (call whenever ξ, d or the material change).</summary>
    void Prepare(in ElasticSystem fine, Field<float> fineInverseDiagonal);

    /// <summary>Number of levels, the fine one included.</summary>
    int Levels { get; }
}

/// <summary>
/// The pieces of the elasticity V-cycle every level uses, on one process or on a rank's slab (the
/// operations given decide): the operator with its identity rows, damped Jacobi, ω by power
/// iteration, and the re-discretised coarse system.
/// </summary>
public static class ElasticSmoother
{
    /// <summary>Jacobi sweeps before and after the coarse correction.</summary>
    public const int Sweeps = 2;
    private const int PowerIterations = 10;
    private const double MaxOmega = 0.6;

    /// <summary>
    /// Level l's operator: LLZO elements whose damage d carries the mean stiffness of the fine elements
    /// below (d set by EffectiveDamage), moduli × 2^l (a Q1 stiffness scales with h; every level works
    /// in unit spacing), no loads.
    /// </summary>
    public static ElasticSystem CoarseSystem(in ElasticSystem fine, ElasticBoundary boundary, int level, GridShape cells, GridShape nodes,
        Field<float> xi, Field<float> damage, Field<int> material)
    {
        float scale = MathF.Pow(2f, level);
        return new ElasticSystem(cells, nodes, boundary,
            fine.P with { LambdaLlzo = fine.P.LambdaLlzo * scale, MuLlzo = fine.P.MuLlzo * scale, Growth = 0f, CrackPressure = 0f },
            xi, damage, material, xi);
    }

    /// <summary>D⁻¹ of a system's operator (prescribed rows keep the element diagonal: a positive scaling).</summary>
    public static void InverseDiagonal(IOperations ops, in ElasticSystem m, Field<float> inverseDiagonal)
    {
        ops.Fill(inverseDiagonal, 0f);
        ops.ElasticDiagonal(m, inverseDiagonal);
        ops.Reciprocal(inverseDiagonal);
    }

    /// <summary>
    /// ω = min(0.6, 1/λ_max(D⁻¹A)), λ_max by 10 power iterations from the inverse diagonal (not a
    /// rigid-body mode), with scratch vectors a and b. Re-estimated at every set-up (~10 operator
    /// applications, about as much as a warm MG-CG solve): ξ and d change λ_max between solves, and a
    /// stale ω broke CG once already. 0.6 alone is unsafe: Li (ν = 0.38) raises λ_max, and the
    /// smoother amplified the stiffest modes of a Li-filled crack until CG broke down. 1/λ alone is
    /// unsafe too: power iteration underestimates λ_max where the stiffest modes are local (a 10⁶
    /// stiffness contrast), and ω = 1.2/λ_est broke down there (measured on both cases of
    /// ElasticMultigridTests).
    /// </summary>
    public static float Damping(IOperations ops, in ElasticSystem m, Field<float> inverseDiagonal, Field<float> a, Field<float> b)
    {
        ops.Copy(inverseDiagonal, a);
        ZeroPrescribed(ops, m, a);
        double lambda = 1;
        for (int it = 0; it < PowerIterations; it++)
        {
            double norm = Math.Sqrt(ops.Dot(a, a));
            if (!(norm > 0)) break;
            ops.Axpby(0f, a, (float)(1 / norm), a);
            Operator(ops, m, a, b);
            ops.Multiply(inverseDiagonal, b, b);
            ZeroPrescribed(ops, m, b);
            lambda = Math.Sqrt(ops.Dot(b, b));
            (a, b) = (b, a);
        }
        return (float)Math.Min(MaxOmega, 1.0 / Math.Max(lambda, 1e-6));
    }

    /// <summary>
    /// Pre-smoothing from x = 0 (the first sweep is x = ω D⁻¹ b), then r = b − A x with its
    /// prescribed rows zeroed, ready for restriction.
    /// </summary>
    public static void PreSmooth(IOperations ops, in ElasticSystem m, Field<float> inverseDiagonal, float omega, Field<float> b,
        Field<float> x, Field<float> r)
    {
        ops.Multiply(inverseDiagonal, b, x);
        ops.Axpby(0f, b, omega, x);
        for (int s = 1; s < Sweeps; s++) Jacobi(ops, m, inverseDiagonal, omega, b, x, r);
        Residual(ops, m, b, x, r);
        ZeroPrescribed(ops, m, r);
    }

    public static void PostSmooth(IOperations ops, in ElasticSystem m, Field<float> inverseDiagonal, float omega, Field<float> b,
        Field<float> x, Field<float> r)
    {
        for (int s = 0; s < Sweeps; s++) Jacobi(ops, m, inverseDiagonal, omega, b, x, r);
    }

    /// <summary>x += ω D⁻¹ (b − A x), r scratch.</summary>
    private static void Jacobi(IOperations ops, in ElasticSystem m, Field<float> inverseDiagonal, float omega, Field<float> b,
        Field<float> x, Field<float> r)
    {
        Residual(ops, m, b, x, r);
        ops.Multiply(inverseDiagonal, r, r);
        ops.Axpy(omega, r, x);
    }

    /// <summary>r = b − A x with A = K on free rows, identity on prescribed rows.</summary>
    public static void Residual(IOperations ops, in ElasticSystem m, Field<float> b, Field<float> x, Field<float> r)
    {
        Operator(ops, m, x, r);
        ops.Axpby(1f, b, -1f, r);
    }

    /// <summary>q = A x: K on the free components, identity on the prescribed ones.</summary>
    public static void Operator(IOperations ops, in ElasticSystem m, Field<float> x, Field<float> q)
    {
        ops.Fill(q, 0f);
        ops.ElasticForce(m, x, q, mask: true);
        ops.ElasticConstraint(m, x, q, copy: true);
    }

    public static void ZeroPrescribed(IOperations ops, in ElasticSystem m, Field<float> v) =>
        ops.ElasticConstraint(m with { Boundary = m.Boundary with { TopValue = 0f } }, v, v, copy: false);
}
