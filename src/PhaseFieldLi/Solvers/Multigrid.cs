using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;
using static PhaseFieldLi.Kernels.Solvers.Coarsening;

namespace PhaseFieldLi.Solvers;

public enum CycleKind { V, F }

/// <summary>
/// Geometric multigrid for A = −∇·(σ∇) + a (see kernels/…/Solvers/Multigrid.cs for the discretisation
/// of the hierarchy), run in backend kernels. As a preconditioner one cycle from a zero guess; as a
/// solver, cycles until the relative residual reaches the tolerance. One V-cycle (or F-cycle) over a
/// list of levels, each with its partition and operations, and a coarsest solve:
/// - one process (<see cref="Multigrid(Backend, IOperations, GridShape, int, int, CycleKind, bool)"/>): levels
///   halve each dimension (rounding up) until the grid has at most <see cref="CoarsestCells"/> cells or
///   a dimension of 1, every level on the whole grid (its ghost fills are no-ops), and the coarsest
///   level is solved by Jacobi-PCG to 1e-3 relative;
/// - z-slabs across ranks (PhaseFieldLi.Distributed.DistributedMultigrid builds it): the levels on
///   slabs, the ghost planes each pass reads filled first, and the coarsest solve gathers the last
///   level onto every rank, where a one-process multigrid finishes the cycle.
/// </summary>
public sealed class Multigrid : IPreconditioner
{
    public const int CoarsestCells = 512;

    /// <summary>One level: its cells on this process, its partition and operations, and its fields.</summary>
    public sealed class Level(GridShape grid, IPartition partition, IOperations ops)
    {
        public GridShape Grid { get; } = grid;
        public IPartition Partition { get; } = partition;
        public IOperations Ops { get; } = ops;
        public Field<float>? Sigma { get; set; }
        public Field<float>? Shift { get; set; }
        public Field<float>? Rhs { get; set; }
        public Field<float>? X { get; set; }
        public Field<float>? R { get; set; }
        public TransferFields? Weights { get; set; }

        /// <summary>A coarse level's own arrays: σ, a, b, x, r and the three prolongation weights.</summary>
        public static Level Coarse(GridShape grid, IPartition partition, IOperations ops, Backend b, List<IDisposable> owner)
        {
            Field<float> F(string name)
            {
                var f = b.Float(name, grid.Count);
                owner.Add(f);
                return f;
            }
            return new Level(grid, partition, ops)
            {
                Sigma = F("mg_sigma"), Shift = F("mg_shift"), Rhs = F("mg_rhs"), X = F("mg_x"), R = F("mg_r"),
                Weights = new TransferFields(F("mg_wx"), F("mg_wy"), F("mg_wz")),
            };
        }
    }

    /// <summary>The solve of the last level, and who sets that level's prolongation weights.</summary>
    public interface ICoarsestSolve : IDisposable
    {
        /// <summary>True when <see cref="Setup"/> sets the last level's weights (else the hierarchy's set-up does).</summary>
        bool SetsLastWeights { get; }
        void Setup(Level last, OperatorSpec spec);
        /// <summary>x of the last level from its b (x is zero on a cycle's first visit).</summary>
        void Solve(Level last, OperatorSpec spec);
        /// <summary>Levels below the last one (a gathered multigrid's own), for the level count.</summary>
        int LevelsBelow => 0;
    }

    /// <summary>Jacobi-PCG on the coarsest grid, to 1e-3 relative in at most 200 iterations.</summary>
    private sealed class CoarseCg(Backend backend, IOperations ops, GridShape grid) : ICoarsestSolve
    {
        private readonly ConjugateGradient _cg = new(backend, ops, grid, new JacobiPreconditioner(backend, ops, grid));
        public bool SetsLastWeights => false;
        public void Setup(Level last, OperatorSpec spec) => _cg.Prepare(new HelmholtzProblem(last.Grid, last.Sigma!, last.Shift!, spec));
        public void Solve(Level last, OperatorSpec spec) => _cg.Solve(last.Rhs!, last.X!, 1e-3, 200); // warm start: X is zero on the first visit
        public void Dispose() => _cg.Dispose();
    }

    private readonly List<Level> _levels;
    private readonly ICoarsestSolve _coarsest;

    /// <summary>The coarsest level's solve (direct on the host, Jacobi-PCG, or gathered across ranks).</summary>
    public ICoarsestSolve CoarsestSolve => _coarsest;
    private readonly Backend _backend;
    private readonly List<IDisposable> _owned;
    private readonly Func<string>? _describe;
    private OperatorSpec _spec = OperatorSpec.Default;
    private Field<float>? _residual, _correction; // only for Solve()
    private bool _lentScratch;

    /// <summary>
    /// The one-process multigrid of a grid. The coarsest level is solved directly on the host where its
    /// band fits (<see cref="CoarseDirectSolve"/>, coarseDirect), else by Jacobi-PCG to 1e-3.
    /// </summary>
    public Multigrid(Backend backend, IOperations ops, GridShape grid, int preSmooth = 2, int postSmooth = 2,
        CycleKind cycle = CycleKind.V, bool coarseDirect = true)
    {
        var whole = new WholeGrid(grid);
        var levels = new List<Level> { new(grid, whole, ops) };
        var owned = new List<IDisposable>();
        var g = grid;
        while (g.Count > CoarsestCells && Math.Min(g.Nx, Math.Min(g.Ny, g.Nz)) > 1)
        {
            g = new GridShape(Coarse(g.Nx), Coarse(g.Ny), Coarse(g.Nz));
            levels.Add(Level.Coarse(g, new WholeGrid(g), ops, backend, owned));
        }
        var last = levels[^1].Grid;
        ICoarsestSolve cg = new CoarseCg(backend, ops, last);
        _coarsest = coarseDirect && CoarseDirectSolve.Fits(last) ? new CoarseDirectSolve(backend, last, cg) : cg;
        (_levels, _backend, _owned) = (levels, backend, owned);
        (PreSmooth, PostSmooth, Cycle) = (preSmooth, postSmooth, cycle);
    }

    /// <summary>A multigrid over given levels (level 0 the finest, its σ, a, b, x bound at use) and coarsest solve.</summary>
    public Multigrid(Backend backend, List<Level> levels, ICoarsestSolve coarsest, List<IDisposable> owned, Func<string>? describe = null,
        int preSmooth = 2, int postSmooth = 2, CycleKind cycle = CycleKind.V)
    {
        (_levels, _coarsest, _backend, _owned, _describe) = (levels, coarsest, backend, owned, describe);
        (PreSmooth, PostSmooth, Cycle) = (preSmooth, postSmooth, cycle);
    }

    /// <summary>
    /// Lends the finest level a scratch array for its residual (CG's q, which is free while the
    /// preconditioner runs), saving one array of the fine grid.
    /// </summary>
    public void UseScratch(Field<float> fineScratch)
    {
        if (_levels[0].R != null) return; // the level has its own
        _levels[0].R = fineScratch;
        _lentScratch = true;
    }

    public int PreSmooth { get; }
    public int PostSmooth { get; }
    public CycleKind Cycle { get; }
    public int Levels => _levels.Count + _coarsest.LevelsBelow;
    public IReadOnlyList<GridShape> Grids => _levels.Select(l => l.Grid).ToList();

    public string Describe() => _describe?.Invoke() ?? nameof(Multigrid);

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

    /// <summary>
    /// Coarse coefficients: σ_C = mean(σ_children)/4, a_C = mean(a_children), the prolongation weights
    /// of every coarse level, then the coarsest solve's set-up. A pass that reads a level's neighbour
    /// cells has that level's ghost planes filled first (nothing to fill on one process).
    /// </summary>
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
            f.Partition.FillGhosts(f.Sigma!); // restriction reads the fine ghost plane above
            f.Partition.FillGhosts(f.Shift!);
            CoarseOperator(c.Ops, f.Grid, c.Grid, f.Sigma!, f.Shift!, c.Sigma!, c.Shift!);
            if (l == _levels.Count - 1 && _coarsest.SetsLastWeights) break;
            c.Partition.FillGhosts(c.Sigma!);
            c.Ops.TransferWeights(c.Grid, _spec, c.Sigma!, c.Weights!);
            c.Partition.FillGhosts(c.Weights!.X);
            c.Partition.FillGhosts(c.Weights.Y);
            c.Partition.FillGhosts(c.Weights.Z);
        }
        _coarsest.Setup(_levels[^1], _spec);
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
        fine.Ops.Fill(z, 0f);
        Run(0, Cycle);
    }

    /// <summary>Multigrid as a solver: cycles on the residual until ‖b − Ax‖ ≤ tolerance·‖b‖.</summary>
    public SolveReport Solve(HelmholtzProblem problem, Field<float> rhs, Field<float> x, double tolerance, int maxCycles,
        List<double>? history = null)
    {
        Setup(problem);
        var fine = _levels[0];
        var ops = fine.Ops;
        _residual ??= _backend.Float("mg_residual", fine.Grid.Count);
        _correction ??= _backend.Float("mg_correction", fine.Grid.Count);
        double bNorm = Math.Sqrt(ops.Dot(rhs, rhs));
        if (bNorm == 0) bNorm = 1;
        double rel = Math.Sqrt(ops.Residual(problem.Grid, problem.Spec, problem.Sigma, problem.Shift, rhs, x, _residual)) / bNorm;
        double initial = rel;
        int cycles = 0;
        history?.Add(rel);
        while (rel > tolerance && cycles < maxCycles)
        {
            Apply(_residual, _correction); // A e = r, one cycle
            ops.Axpy(1f, _correction, x);
            cycles++;
            rel = Math.Sqrt(ops.Residual(problem.Grid, problem.Spec, problem.Sigma, problem.Shift, rhs, x, _residual)) / bNorm;
            history?.Add(rel);
        }
        return new SolveReport(cycles, initial, rel, rel <= tolerance);
    }

    private void Run(int l, CycleKind kind)
    {
        var lv = _levels[l];
        if (l == _levels.Count - 1)
        {
            _coarsest.Solve(lv, _spec);
            return;
        }
        var g = lv.Grid;
        var ops = lv.Ops;
        for (int s = 0; s < PreSmooth; s++)
        {
            ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 0);
            ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 1);
        }
        var r = lv.R ??= _backend.Float("mg_r", g.Count); // finest: a scratch array lent by the caller, if any
        ops.Residual(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, r, norm: false);
        lv.Partition.FillGhosts(r);
        var c = _levels[l + 1];
        c.Ops.Restrict(g, c.Grid, r, c.Rhs!, 1f);
        c.Ops.Fill(c.X!, 0f);
        Run(l + 1, kind);
        if (kind == CycleKind.F) Run(l + 1, CycleKind.V); // F-cycle: a V-cycle follows on each level
        if (l + 1 < _levels.Count - 1) c.Partition.FillGhosts(c.X!); // the last level's come with its coarsest solve
        ops.ProlongAdd(g, c.Grid, _spec, c.X!, lv.X!, c.Weights!);
        for (int s = 0; s < PostSmooth; s++)
        {
            ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 1);
            ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 0);
        }
    }

    public void Dispose()
    {
        foreach (var f in _owned) f.Dispose();
        _coarsest.Dispose();
        if (!_lentScratch && !_owned.Contains(_levels[0].R!)) _levels[0].R?.Dispose();
        _residual?.Dispose();
        _correction?.Dispose();
    }
}
