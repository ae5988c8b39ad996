using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;
using PhaseFieldLi.Models;
using static PhaseFieldLi.Kernels.Solvers.Coarsening;

namespace PhaseFieldLi.Solvers;

public enum CycleKind { V, F }

/// <summary>
/// Geometric multigrid for A = −∇·(σ∇) + a (see kernels/…/Solvers/Multigrid.cs for the discretisation
/// of the hierarchy), run in backend kernels. As a preconditioner one cycle from a zero guess; as a
/// solver, cycles until the relative residual reaches the tolerance. Levels halve each dimension
/// (rounding up) until the grid has at most <see cref="CoarsestCells"/> cells or a dimension of 1;
/// the coarsest level is solved by Jacobi-PCG to 1e-3 relative.
/// </summary>
public sealed class Multigrid : IPreconditioner
{
    public const int CoarsestCells = 512;

    private sealed class Level(GridShape grid, Backend b, bool finest)
    {
        public GridShape Grid { get; } = grid;
        public Field<float>? Sigma { get; set; } = finest ? null : b.Float("mg_sigma", grid.Count);
        public Field<float>? Shift { get; set; } = finest ? null : b.Float("mg_shift", grid.Count);
        public Field<float>? Rhs { get; set; } = finest ? null : b.Float("mg_rhs", grid.Count);
        public Field<float>? X { get; set; } = finest ? null : b.Float("mg_x", grid.Count);
        public Field<float>? R { get; set; } = finest ? null : b.Float("mg_r", grid.Count);
        public TransferFields? Weights { get; } = finest ? null
            : new(b.Float("mg_wx", grid.Count), b.Float("mg_wy", grid.Count), b.Float("mg_wz", grid.Count));
        public bool OwnsCoefficients { get; } = !finest;
    }

    private readonly IOperations _ops;
    private readonly List<Level> _levels = [];
    private readonly ConjugateGradient _coarse;
    private readonly Backend _backend;
    private OperatorSpec _spec = OperatorSpec.Default;
    private Field<float>? _residual, _correction; // only for Solve()

    public Multigrid(Backend backend, IOperations ops, GridShape grid, int preSmooth = 2, int postSmooth = 2,
        CycleKind cycle = CycleKind.V)
    {
        _ops = ops;
        PreSmooth = preSmooth;
        PostSmooth = postSmooth;
        Cycle = cycle;
        var g = grid;
        _levels.Add(new Level(g, backend, finest: true));
        while (g.Count > CoarsestCells && Math.Min(g.Nx, Math.Min(g.Ny, g.Nz)) > 1)
        {
            g = new GridShape(Coarse(g.Nx), Coarse(g.Ny), Coarse(g.Nz));
            _levels.Add(new Level(g, backend, finest: false));
        }
        var last = _levels[^1].Grid;
        _coarse = new ConjugateGradient(backend, ops, last, new JacobiPreconditioner(backend, ops, last));
        _backend = backend;
    }

    private bool _lentScratch;

    /// <summary>
    /// Lends the finest level a scratch array for its residual (CG's q, which is free while the
    /// preconditioner runs), saving one array of the fine grid.
    /// </summary>
    public void UseScratch(Field<float> fineScratch)
    {
        _levels[0].R = fineScratch;
        _lentScratch = true;
    }

    public int PreSmooth { get; }
    public int PostSmooth { get; }
    public CycleKind Cycle { get; }
    public int Levels => _levels.Count;
    public IReadOnlyList<GridShape> Grids => _levels.Select(l => l.Grid).ToList();

    /// <summary>
    /// Bytes one cycle must move at least, counted per level of n cells: a red–black half-sweep reads
    /// σ and x of every cell and a, b of its colour and writes x of its colour (8 + 12/2 = 14 B/cell),
    /// PreSmooth + PostSmooth sweeps of two colours; the residual 20 B (σ, a, b, x read, r written);
    /// restriction 4 B + 1/8 written; the coarse x zeroed (4/8 B); prolongation 8 B (x read and written)
    /// + the coarse x and three weights (16/8 B). The zeroing of the finest x (4 B) is the cycle's too.
    /// The coarsest solve's bytes are negligible (≤ 512 cells); its cost is latency.
    /// </summary>
    public double CountedBytesPerApply
    {
        get
        {
            double bytes = 4.0 * _levels[0].Grid.Count;
            for (int l = 0; l + 1 < _levels.Count; l++)
            {
                double n = _levels[l].Grid.Count;
                bytes += n * (2 * (PreSmooth + PostSmooth) * 14 + 20 + 4.5 + 0.5 + 8 + 2) * (Cycle == CycleKind.F ? l + 1 : 1); // an F-cycle visits level l l + 1 times
            }
            return bytes;
        }
    }

    /// <summary>Coarse coefficients: σ_C = mean(σ_children)/4, a_C = mean(a_children).</summary>
    public void Setup(HelmholtzProblem problem)
    {
        _spec = problem.Spec;
        var fine = _levels[0];
        fine.Sigma = problem.Sigma;
        fine.Shift = problem.Shift;
        for (int l = 1; l < _levels.Count; l++)
        {
            var f = _levels[l - 1];
            var c = _levels[l];
            CoarseOperator(_ops, f.Grid, c.Grid, f.Sigma!, f.Shift!, c.Sigma!, c.Shift!);
            _ops.TransferWeights(c.Grid, _spec, c.Sigma!, c.Weights!);
        }
        var last = _levels[^1];
        _coarse.Prepare(new HelmholtzProblem(last.Grid, last.Sigma!, last.Shift!, _spec));
    }

    /// <summary>The coarse operator of one level: σ_C = mean(σ_children)/4 (one more level of H²), a_C = mean(a_children).</summary>
    internal static void CoarseOperator(IOperations ops, GridShape fine, GridShape coarse, Field<float> fineSigma, Field<float> fineShift,
        Field<float> coarseSigma, Field<float> coarseShift)
    {
        ops.Restrict(fine, coarse, fineSigma, coarseSigma, 0.25f);
        ops.Restrict(fine, coarse, fineShift, coarseShift, 1f);
    }

    /// <summary>z = one cycle applied to r from z = 0.</summary>
    public void Apply(Field<float> r, Field<float> z)
    {
        var fine = _levels[0];
        fine.Rhs = r;
        fine.X = z;
        _ops.Fill(z, 0f);
        Run(0, Cycle);
    }

    /// <summary>Multigrid as a solver: cycles on the residual until ‖b − Ax‖ ≤ tolerance·‖b‖.</summary>
    public SolveReport Solve(HelmholtzProblem problem, Field<float> rhs, Field<float> x, double tolerance, int maxCycles,
        List<double>? history = null)
    {
        Setup(problem);
        var fine = _levels[0];
        _residual ??= _backend.Float("mg_residual", fine.Grid.Count);
        _correction ??= _backend.Float("mg_correction", fine.Grid.Count);
        double bNorm = Math.Sqrt(_ops.Dot(rhs, rhs));
        if (bNorm == 0) bNorm = 1;
        double rel = Math.Sqrt(_ops.Residual(problem.Grid, problem.Spec, problem.Sigma, problem.Shift, rhs, x, _residual)) / bNorm;
        double initial = rel;
        int cycles = 0;
        history?.Add(rel);
        while (rel > tolerance && cycles < maxCycles)
        {
            Apply(_residual, _correction); // A e = r, one cycle
            _ops.Axpy(1f, _correction, x);
            cycles++;
            rel = Math.Sqrt(_ops.Residual(problem.Grid, problem.Spec, problem.Sigma, problem.Shift, rhs, x, _residual)) / bNorm;
            history?.Add(rel);
        }
        return new SolveReport(cycles, initial, rel, rel <= tolerance);
    }

    private void Run(int l, CycleKind kind)
    {
        var lv = _levels[l];
        if (l == _levels.Count - 1)
        {
            _coarse.Solve(lv.Rhs!, lv.X!, 1e-3, 200); // warm start: X is zero on the first visit
            return;
        }
        var g = lv.Grid;
        for (int s = 0; s < PreSmooth; s++)
        {
            _ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 0);
            _ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 1);
        }
        var r = lv.R ??= _backend.Float("mg_r", g.Count); // finest: a scratch array lent by the caller, if any
        _ops.Residual(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, r);
        var c = _levels[l + 1];
        _ops.Restrict(g, c.Grid, r, c.Rhs!, 1f);
        _ops.Fill(c.X!, 0f);
        Run(l + 1, kind);
        if (kind == CycleKind.F) Run(l + 1, CycleKind.V); // F-cycle: a V-cycle follows on each level

        _ops.ProlongAdd(g, c.Grid, _spec, c.X!, lv.X!, c.Weights!);
        for (int s = 0; s < PostSmooth; s++)
        {
            _ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 1);
            _ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 0);
        }
    }

    public void Dispose()
    {
        foreach (var l in _levels)
        {
            if (!l.OwnsCoefficients) continue;
            l.R!.Dispose();
            l.Weights!.X.Dispose();
            l.Weights.Y.Dispose();
            l.Weights.Z.Dispose();
            l.Sigma!.Dispose();
            l.Shift!.Dispose();
            l.Rhs!.Dispose();
            l.X!.Dispose();
        }
        _coarse.Dispose();
        if (!_lentScratch) _levels[0].R?.Dispose();
        _residual?.Dispose();
        _correction?.Dispose();
    }
}
