using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Solvers;

/// <summary>
/// Geometric multigrid V-cycle for the Q1 elasticity operator, a preconditioner for CG. Vertex-centred
/// levels (coarse nodes = even fine nodes, coarse cell = 2 × 2 × 2 fine cells) while every cell
/// count is even and at least 4; trilinear prolongation P of all three components together, R = Pᵀ.
/// Coarse operators are re-discretised: each coarse element is LLZO whose degradation carries the
/// mean stiffness factor μ_e/μ_LLZO of its 8 fine elements, with the moduli doubled per level (a Q1
/// stiffness matrix scales with h, and every level works in unit spacing), so K_c ≈ Pᵀ K P. The
/// smoother is damped Jacobi on the vector operator (ω from a power iteration, 2 sweeps before and after), the
/// coarsest level is solved by Jacobi-PCG to 1e-2. Prescribed components (rollers, a held top) are
/// identity rows: the V-cycle zeroes their residual before restricting and passes them through.
/// </summary>
public sealed class ElasticMultigrid : IElasticMultigrid
{
    private sealed class Level(GridShape cells)
    {
        public GridShape Cells = cells;
        public GridShape Nodes = new(cells.Nx + 1, cells.Ny + 1, cells.Nz + 1);
        public ElasticSystem System;
        public Field<float> X = null!, B = null!, R = null!, InverseDiagonal = null!, Factor = null!;
        /// <summary>Jacobi damping of this level, from its largest eigenvalue of D⁻¹A.</summary>
        public float Omega = 0.6f;
        public Field<float>? Xi, Damage;
        public Field<int>? Material;
    }

    private readonly IOperations _ops;
    private readonly List<Level> _levels = [];
    private readonly ConjugateGradient _coarse;
    private readonly CoarseOperator _coarseOperator;
    private readonly Field<float> _power; // fine-level scratch of the power iteration
    private readonly ElasticCoarseDirectSolve _direct;
    private bool _directReady;

    public ElasticMultigrid(Backend backend, IOperations ops, GridShape cells)
    {
        if (!CanCoarsen(cells))
            throw new ArgumentException($"elastic multigrid: {cells.Nx} × {cells.Ny} × {cells.Nz} cells have no coarser level (use Jacobi)");
        _ops = ops;
        var fine = new Level(cells);
        fine.Factor = backend.Float("emg_factor_0", cells.Count);
        fine.R = backend.Float("emg_r_0", 3 * fine.Nodes.Count);
        _power = backend.Float("emg_power", 3 * fine.Nodes.Count);
        _levels.Add(fine);
        var c = cells;
        while (CanCoarsen(c))
        {
            c = new GridShape(c.Nx / 2, c.Ny / 2, c.Nz / 2);
            int l = _levels.Count;
            var level = new Level(c);
            int dofs = 3 * level.Nodes.Count;
            level.X = backend.Float($"emg_x_{l}", dofs);
            level.B = backend.Float($"emg_b_{l}", dofs);
            level.R = backend.Float($"emg_r_{l}", dofs);
            level.InverseDiagonal = backend.Float($"emg_inverse_diagonal_{l}", dofs);
            level.Factor = backend.Float($"emg_factor_{l}", c.Count);
            level.Xi = backend.Float($"emg_xi_{l}", c.Count);
            level.Damage = backend.Float($"emg_damage_{l}", c.Count);
            level.Material = backend.Int($"emg_material_{l}", c.Count); // 0 = LLZO
            _levels.Add(level);
        }
        var last = _levels[^1];
        _coarseOperator = new CoarseOperator(this, _levels.Count - 1);
        _coarse = new ConjugateGradient(backend, ops, 3 * last.Nodes.Count, new DiagonalPreconditioner(ops, last.InverseDiagonal));
        _direct = new ElasticCoarseDirectSolve(ops, last.Nodes);
    }

    /// <summary>Whether the last set-up factored the coarsest level (else Jacobi-PCG solves it).</summary>
    public bool CoarsestIsDirect => _directReady;

    /// <summary>Whether a grid of these cells has a coarser level (every count even and ≥ 4).</summary>
    public static bool CanCoarsen(GridShape c) =>
        c.Nx % 2 == 0 && c.Ny % 2 == 0 && c.Nz % 2 == 0 && Math.Min(c.Nx, Math.Min(c.Ny, c.Nz)) >= 4;

    /// <summary>Number of levels, the fine one included.</summary>
    public int Levels => _levels.Count;

    /// <summary>Total CG iterations of the coarsest-level solves since the last <see cref="Prepare"/>.</summary>
    public int CoarseIterations { get; private set; }

    /// <summary>Builds the coarse operators for the fine system (call whenever ξ, d or the material change).</summary>
    public void Prepare(in ElasticSystem fine, Field<float> fineInverseDiagonal)
    {
        var f = _levels[0];
        f.System = fine;
        f.InverseDiagonal = fineInverseDiagonal;
        _ops.ElasticStiffnessFactor(fine, f.Factor);
        var coarseBoundary = fine.Boundary with { TopValue = 0f };
        for (int l = 1; l < _levels.Count; l++)
        {
            var lv = _levels[l];
            var up = _levels[l - 1];
            _ops.CoarsenCells(up.Cells, lv.Cells, up.Factor, lv.Factor);
            _ops.EffectiveDamage(lv.Factor, lv.Damage!, fine.P.ResidualStiffness);
            lv.System = ElasticSmoother.CoarseSystem(fine, coarseBoundary, l, lv.Cells, lv.Nodes, lv.Xi!, lv.Damage!, lv.Material!);
            ElasticSmoother.InverseDiagonal(_ops, lv.System, lv.InverseDiagonal);
        }
        for (int l = 0; l < _levels.Count - 1; l++)
        {
            var lv = _levels[l];
            lv.Omega = ElasticSmoother.Damping(_ops, lv.System, lv.InverseDiagonal, lv.R, l == 0 ? _power : lv.B);
        }
        _coarse.Prepare(_coarseOperator);
        var coarsest = _levels[^1];
        _directReady = _direct.Setup(coarsest.System, coarsest.B, coarsest.R);
        CoarseIterations = 0;
    }

    public void Setup(HelmholtzProblem problem) { } // the elastic system comes through Prepare

    /// <summary>z = V-cycle(r); prescribed rows pass through (z = r there).</summary>
    public void Apply(Field<float> r, Field<float> z)
    {
        Cycle(0, r, z);
        _ops.ElasticConstraint(_levels[0].System, r, z, copy: true);
    }

    private void Cycle(int l, Field<float> b, Field<float> x)
    {
        var lv = _levels[l];
        if (l == _levels.Count - 1)
        {
            if (_directReady)
            {
                _direct.Solve(b, x);
                return;
            }
            _ops.Fill(x, 0f);
            var report = _coarse.Solve(b, x, 1e-2, 500);
            CoarseIterations += report.Iterations;
            return;
        }
        var down = _levels[l + 1];
        ElasticSmoother.PreSmooth(_ops, lv.System, lv.InverseDiagonal, lv.Omega, b, x, lv.R);
        _ops.NodalRestrict(lv.Nodes, down.Nodes, lv.R, down.B);
        ElasticSmoother.ZeroPrescribed(_ops, down.System, down.B);
        Cycle(l + 1, down.B, down.X);
        _ops.NodalProlongAdd(down.Nodes, lv.Nodes, down.X, x);
        ElasticSmoother.PostSmooth(_ops, lv.System, lv.InverseDiagonal, lv.Omega, b, x, lv.R);
    }

    private sealed class CoarseOperator(ElasticMultigrid mg, int level) : ILinearOperator
    {
        public double Apply(Field<float> p, Field<float> q)
        {
            ElasticSmoother.Operator(mg._ops, mg._levels[level].System, p, q);
            return mg._ops.Dot(p, q);
        }

        public double Residual(Field<float> b, Field<float> x, Field<float> r)
        {
            ElasticSmoother.Residual(mg._ops, mg._levels[level].System, b, x, r);
            return mg._ops.Dot(r, r);
        }
    }

    public void Dispose()
    {
        _power.Dispose();
        _coarse.Dispose();
        for (int l = 0; l < _levels.Count; l++)
        {
            var lv = _levels[l];
            lv.Factor.Dispose();
            lv.R.Dispose();
            if (l == 0) continue; // the fine inverse diagonal belongs to the caller
            foreach (var f in new IDisposable?[] { lv.X, lv.B, lv.InverseDiagonal, lv.Xi, lv.Damage, lv.Material }) f?.Dispose();
        }
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
