using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;
using PhaseFieldLi.Models;
using PhaseFieldLi.Solvers;
using static PhaseFieldLi.Kernels.Solvers.Coarsening;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// The multigrid V-cycle of <see cref="Multigrid"/> on a slab-decomposed grid: the same levels,
/// coarse operators, smoother and transfers (the rules take global z for the red–black parity and
/// the parent planes), with the ghost planes each pass reads filled first. A coarse level's slab
/// holds the coarse planes whose lower child lies in the fine slab, so a restriction reads at most
/// the fine ghost plane above and a prolongation the coarse ghost planes. Once a level would leave
/// some rank fewer than 2 planes (or the grid is coarse enough to be the last level), that level is
/// gathered: the ranks add their owned parts into one whole coarse grid (one Allreduce), every rank
/// runs the rest of the V-cycle on it with the single-process <see cref="Multigrid"/> on its own
/// device (the same input, the same answer on every rank), and takes back its own planes. Its cost
/// is one Allreduce of the gathered grid per cycle; the gathered grid is the global one coarsened
/// until the slabs are 1–3 planes thick, e.g. 8 × 8 × 8 for 1024 × 1024 × 1024 on 8 ranks.
/// </summary>
public sealed class DistributedMultigrid<TF, TI> : IPreconditioner
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    private sealed class Level
    {
        public required SlabPartition Partition { get; init; }
        public required IOperations Ops { get; init; }
        public GridShape Local => Partition.Local;
        public GridShape Global => Partition.Global;
        public Field<float>? Sigma { get; set; }
        public Field<float>? Shift { get; set; }
        public Field<float>? Rhs { get; set; }
        public Field<float>? X { get; set; }
        public Field<float>? R { get; set; }
        public TransferFields? Weights { get; set; }
    }

    private readonly Backend<TF, TI> _device;
    private readonly List<Level> _levels = [];
    private readonly Multigrid _tail;
    private readonly IOperations _deviceOps;
    private readonly Field<float> _sigmaAll, _shiftAll, _rhsAll, _xAll;
    private readonly TransferFields _weightsAll;
    private readonly List<IDisposable> _owned = [];
    private OperatorSpec _spec = OperatorSpec.Default;

    public DistributedMultigrid(SlabBackend<TF, TI> fine, IOperations fineOps)
    {
        _device = fine.Inner;
        _deviceOps = Operations.For(_device);
        var partition = fine.Partition;
        _levels.Add(new Level { Partition = partition, Ops = fineOps });
        Field<float> F(string name, int n)
        {
            var f = _device.Float(name, n);
            _owned.Add(f);
            return f;
        }
        _levels[0].R = F("dmg_r", partition.Local.Count);
        // A grid the one-process multigrid would not coarsen at all is gathered as it is.
        while (!IsLast(partition.Global))
        {
            var f = _levels[^1];
            var g = f.Global;
            var coarse = new GridShape(Coarse(g.Nx), Coarse(g.Ny), Coarse(g.Nz));
            var fs = f.Partition.Slabs;
            int zStart = (fs.ZStart + 1) / 2, zEnd = (fs.ZStart + fs.OwnedPlanes + 1) / 2;
            var slabs = new SlabDecomposition(coarse, fs.Rank, fs.Size, zStart, zEnd - zStart);
            var p = new SlabPartition(partition.Mpi, slabs);
            var backend = new SlabBackend<TF, TI>(_device, p);
            var level = new Level { Partition = p, Ops = backend.CreateOperations() };
            int n = p.Local.Count;
            level.Sigma = F("dmg_sigma", n);
            level.Shift = F("dmg_shift", n);
            level.Rhs = F("dmg_rhs", n);
            level.X = F("dmg_x", n);
            level.R = F("dmg_r", n);
            level.Weights = new TransferFields(F("dmg_wx", n), F("dmg_wy", n), F("dmg_wz", n));
            _levels.Add(level);
            // Gather here if a rank would own fewer than 2 planes one level down, or this grid is one the
            // single-process multigrid would not coarsen further anyway.
            int fewest = -(int)partition.Max(-((zEnd + 1) / 2 - (zStart + 1) / 2));
            if (fewest < 2 || IsLast(coarse)) break;
        }
        var all = _levels[^1].Global;
        _sigmaAll = F("dmg_sigma_all", all.Count);
        _shiftAll = F("dmg_shift_all", all.Count);
        _rhsAll = F("dmg_rhs_all", all.Count);
        _xAll = F("dmg_x_all", all.Count);
        _weightsAll = new TransferFields(F("dmg_wx_all", all.Count), F("dmg_wy_all", all.Count), F("dmg_wz_all", all.Count));
        _tail = new Multigrid(_device, _deviceOps, all);
    }

    /// <summary>The one-process multigrid's rule for its coarsest level.</summary>
    private static bool IsLast(GridShape g) => g.Count <= Multigrid.CoarsestCells || Math.Min(g.Nx, Math.Min(g.Ny, g.Nz)) == 1;

    /// <summary>The levels in words (global sizes): those on slabs, the gathered one and the one-process levels below it.</summary>
    public string Describe()
    {
        static string Size(Level l) => $"{l.Global.Nx}×{l.Global.Ny}×{l.Global.Nz}";
        string gathered = $"{Size(_levels[^1])} gathered onto every rank ({_tail.Levels} level(s) from there on one process)";
        return _levels.Count == 1
            ? $"multigrid, the whole grid {gathered}"
            : $"multigrid {string.Join(" → ", _levels.SkipLast(1).Select(Size))} on slabs, {gathered}";
    }

    public void Setup(HelmholtzProblem problem)
    {
        if (problem.Spec.PeriodicZ) throw new NotSupportedException("a slab-decomposed multigrid cannot be periodic in z");
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
            Multigrid.CoarseOperator(c.Ops, f.Local, c.Local, f.Sigma!, f.Shift!, c.Sigma!, c.Shift!);
            if (l == _levels.Count - 1) break;
            c.Partition.FillGhosts(c.Sigma!);
            c.Ops.TransferWeights(c.Local, _spec, c.Sigma!, c.Weights!);
            c.Partition.FillGhosts(c.Weights!.X);
            c.Partition.FillGhosts(c.Weights.Y);
            c.Partition.FillGhosts(c.Weights.Z);
        }
        // The gathered level: whole coarse σ and a on every rank, its weights, the rest of the hierarchy.
        var last = _levels[^1];
        Gather(last, last.Sigma!, _sigmaAll);
        Gather(last, last.Shift!, _shiftAll);
        if (last.Weights != null) // prolongation from the gathered level onto the last level on slabs
        {
            _deviceOps.TransferWeights(last.Global, _spec, _sigmaAll, _weightsAll);
            Scatter(last, _weightsAll.X, last.Weights.X);
            Scatter(last, _weightsAll.Y, last.Weights.Y);
            Scatter(last, _weightsAll.Z, last.Weights.Z);
        }
        _tail.Setup(new HelmholtzProblem(last.Global, _sigmaAll, _shiftAll, _spec));
    }

    private readonly SlabGather _gather = new();

    /// <summary>The ranks' owned planes of a level's field, added into one whole grid on every rank.</summary>
    private void Gather(Level level, Field<float> slab, Field<float> whole)
    {
        var s = level.Partition.Slabs;
        _gather.Gather(level.Partition, slab, whole, 1, s.Local.Count, s.Global.Count, s.OwnedFirst, s.ZStart * s.Global.Plane,
            s.OwnedPlanes * s.Global.Plane);
    }

    /// <summary>A level's planes, ghost planes included, out of the whole grid every rank holds.</summary>
    private void Scatter(Level level, Field<float> whole, Field<float> slab)
    {
        var s = level.Partition.Slabs;
        _gather.Scatter(whole, slab, 1, s.Local.Count, s.Global.Count, (s.ZStart - s.GhostBelow) * s.Global.Plane);
    }

    public void Apply(Field<float> r, Field<float> z)
    {
        var fine = _levels[0];
        fine.Rhs = r;
        fine.X = z;
        fine.Ops.Fill(z, 0f);
        Run(0);
    }

    private void Run(int l)
    {
        var lv = _levels[l];
        if (l == _levels.Count - 1)
        {
            Gather(lv, lv.Rhs!, _rhsAll);
            _deviceOps.Fill(_xAll, 0f);
            _tail.Apply(_rhsAll, _xAll);
            Scatter(lv, _xAll, lv.X!);
            return;
        }
        var g = lv.Local;
        for (int s = 0; s < _tail.PreSmooth; s++)
        {
            lv.Ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 0);
            lv.Ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 1);
        }
        lv.Ops.Residual(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, lv.R!);
        lv.Partition.FillGhosts(lv.R!);
        var c = _levels[l + 1];
        c.Ops.Restrict(g, c.Local, lv.R!, c.Rhs!, 1f);
        c.Ops.Fill(c.X!, 0f);
        Run(l + 1);
        if (l + 1 < _levels.Count - 1) c.Partition.FillGhosts(c.X!); // the gathered level's come with it
        lv.Ops.ProlongAdd(g, c.Local, _spec, c.X!, lv.X!, c.Weights!);
        for (int s = 0; s < _tail.PostSmooth; s++)
        {
            lv.Ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 1);
            lv.Ops.GaussSeidel(g, _spec, lv.Sigma!, lv.Shift!, lv.Rhs!, lv.X!, 0);
        }
    }

    public void Dispose()
    {
        _tail.Dispose();
        foreach (var f in _owned) f.Dispose();
    }
}
