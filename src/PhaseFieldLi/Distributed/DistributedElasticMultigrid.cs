using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Models;
using PhaseFieldLi.Solvers;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// The elasticity V-cycle of <see cref="ElasticMultigrid"/> on a slab-decomposed grid: the same
/// levels, coarse operators (LLZO blocks carrying the mean stiffness of their fine elements),
/// damped-Jacobi smoother (<see cref="ElasticSmoother"/>, ω by power iteration with global dot
/// products) and nodal transfers, run by each level's slab operations (element passes over the
/// owned cells and the ghost cell plane below; nodal ghost planes filled before each operator
/// application, restriction and prolongation). A coarse slab holds the coarse planes whose lower
/// child lies in the fine slab, as in <see cref="DistributedMultigrid{TF,TI}"/>; its owned node
/// planes are then the even fine planes the fine slab owns. Once the next level would leave a rank
/// fewer than 2 planes, or would be the one-process multigrid's coarsest, the level is gathered:
/// the ranks add their owned nodes into one whole vector (one Allreduce per cycle) and every rank
/// finishes the cycle with the one-process <see cref="ElasticMultigrid"/> on that level.
/// </summary>
public sealed class DistributedElasticMultigrid<TF, TI> : IElasticMultigrid
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    private sealed class Level
    {
        public required SlabPartition Partition { get; init; }
        public required IOperations Ops { get; init; }
        public GridShape Cells => Partition.Local;
        public GridShape Nodes => Partition.LocalNodes;
        public ElasticSystem System;
        public Field<float> X = null!, B = null!, R = null!, InverseDiagonal = null!, Factor = null!;
        public Field<float>? Xi, Damage;
        public Field<int>? Material;
        public float Omega;
    }

    private readonly List<Level> _levels = [];
    private readonly List<IDisposable> _owned = [];
    private readonly IOperations _deviceOps;
    private readonly ElasticMultigrid _tail;
    private readonly GridShape _allCells, _allNodes;
    private readonly Field<float> _power, _bAll, _xAll, _damageAll, _xiAll, _inverseDiagonalAll;
    private readonly Field<int> _materialAll;
    private ElasticSystem _systemAll;

    public DistributedElasticMultigrid(SlabBackend<TF, TI> fine, IOperations fineOps)
    {
        var device = fine.Inner;
        _deviceOps = Operations.For(device);
        Field<float> F(string name, int n)
        {
            var f = device.Float(name, n);
            _owned.Add(f);
            return f;
        }
        Field<int> I(string name, int n)
        {
            var f = device.Int(name, n);
            _owned.Add(f);
            return f;
        }
        var first = new Level { Partition = fine.Partition, Ops = fineOps };
        first.Factor = F("demg_factor_0", first.Cells.Count);
        first.R = F("demg_r_0", 3 * first.Nodes.Count);
        _power = F("demg_power", 3 * first.Nodes.Count);
        _levels.Add(first);
        while (true)
        {
            var f = _levels[^1];
            var g = f.Partition.Global;
            var coarse = new GridShape(g.Nx / 2, g.Ny / 2, g.Nz / 2);
            // The one-process multigrid's coarsest level stays with it (the gathered tail has ≥ 2 levels).
            if (!ElasticMultigrid.CanCoarsen(coarse)) break;
            var fs = f.Partition.Slabs;
            int zStart = (fs.ZStart + 1) / 2, zEnd = (fs.ZStart + fs.OwnedPlanes + 1) / 2;
            int fewest = -(int)f.Partition.Max(-(zEnd - zStart));
            if (fewest < SlabDecomposition.MinPlanes) break;
            var p = new SlabPartition(f.Partition.Mpi, new SlabDecomposition(coarse, fs.Rank, fs.Size, zStart, zEnd - zStart));
            var backend = new SlabBackend<TF, TI>(device, p);
            int l = _levels.Count;
            var level = new Level { Partition = p, Ops = backend.CreateOperations() };
            int dofs = 3 * level.Nodes.Count, cells = level.Cells.Count;
            level.X = F($"demg_x_{l}", dofs);
            level.B = F($"demg_b_{l}", dofs);
            level.R = F($"demg_r_{l}", dofs);
            level.InverseDiagonal = F($"demg_inverse_diagonal_{l}", dofs);
            level.Factor = F($"demg_factor_{l}", cells);
            level.Xi = F($"demg_xi_{l}", cells);
            level.Damage = F($"demg_damage_{l}", cells);
            level.Material = I($"demg_material_{l}", cells); // 0 = LLZO
            _levels.Add(level);
        }
        var last = _levels[^1];
        _allCells = last.Partition.Global;
        _allNodes = new GridShape(_allCells.Nx + 1, _allCells.Ny + 1, _allCells.Nz + 1);
        int allDofs = 3 * _allNodes.Count;
        _bAll = F("demg_b_all", allDofs);
        _xAll = F("demg_x_all", allDofs);
        _inverseDiagonalAll = F("demg_inverse_diagonal_all", allDofs);
        _damageAll = F("demg_damage_all", _allCells.Count);
        _xiAll = F("demg_xi_all", _allCells.Count);
        _materialAll = I("demg_material_all", _allCells.Count);
        // Gathered at the fine level itself (a tiny grid or many ranks): its effective damage needs a field of its own.
        if (_levels.Count == 1) first.Damage = F("demg_damage_0", first.Cells.Count);
        _tail = new ElasticMultigrid(device, _deviceOps, _allCells);
    }

    public int Levels => _levels.Count - 1 + _tail.Levels;

    public string Describe()
    {
        static string Size(GridShape g) => $"{g.Nx}×{g.Ny}×{g.Nz}";
        string gathered = $"{Size(_allCells)} gathered onto every rank ({_tail.Levels} levels from there on one process)";
        return _levels.Count == 1
            ? $"elastic multigrid, the whole grid {gathered}"
            : $"elastic multigrid {string.Join(" → ", _levels.SkipLast(1).Select(l => Size(l.Partition.Global)))} on slabs, {gathered}";
    }

    public void Setup(HelmholtzProblem problem) { } // the elastic system comes through Prepare

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
        // The gathered level: the whole grid of LLZO blocks with the level's stiffness (on the fine level
        // itself, the whole fine grid as such blocks: a tiny grid or many ranks).
        var last = _levels[^1];
        int level = _levels.Count - 1;
        if (level == 0) last.Ops.EffectiveDamage(last.Factor, last.Damage!, fine.P.ResidualStiffness);
        GatherCells(last, last.Damage!, _damageAll);
        _systemAll = ElasticSmoother.CoarseSystem(fine, coarseBoundary, level, _allCells, _allNodes, _xiAll, _damageAll, _materialAll);
        ElasticSmoother.InverseDiagonal(_deviceOps, _systemAll, _inverseDiagonalAll);
        _tail.Prepare(_systemAll, _inverseDiagonalAll);
    }

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
            GatherNodes(lv, b, _bAll);
            _deviceOps.Fill(_xAll, 0f);
            _tail.Apply(_bAll, _xAll);
            ScatterNodes(lv, _xAll, x);
            return;
        }
        var down = _levels[l + 1];
        ElasticSmoother.PreSmooth(lv.Ops, lv.System, lv.InverseDiagonal, lv.Omega, b, x, lv.R);
        lv.Partition.FillNodeGhosts(lv.R); // the coarse node's fine neighbours one plane below and above
        down.Ops.NodalRestrict(lv.Nodes, down.Nodes, lv.R, down.B);
        ElasticSmoother.ZeroPrescribed(down.Ops, down.System, down.B);
        Cycle(l + 1, down.B, down.X);
        if (l + 1 < _levels.Count - 1) down.Partition.FillNodeGhosts(down.X); // the gathered level's come with it
        lv.Ops.NodalProlongAdd(down.Nodes, lv.Nodes, down.X, x);
        ElasticSmoother.PostSmooth(lv.Ops, lv.System, lv.InverseDiagonal, lv.Omega, b, x, lv.R);
    }

    private readonly SlabGather _gather = new();

    private void GatherCells(Level level, Field<float> slab, Field<float> whole)
    {
        var s = level.Partition.Slabs;
        _gather.Gather(level.Partition, slab, whole, 1, s.Local.Count, s.Global.Count, s.OwnedFirst, s.ZStart * s.Global.Plane,
            s.OwnedPlanes * s.Global.Plane);
    }

    /// <summary>The ranks' owned node planes of a nodal vector, three component blocks, into one whole vector on every rank.</summary>
    private void GatherNodes(Level level, Field<float> slab, Field<float> whole)
    {
        var s = level.Partition.Slabs;
        int plane = level.Nodes.Plane;
        _gather.Gather(level.Partition, slab, whole, 3, level.Nodes.Count, _allNodes.Count, s.GhostBelow * plane, s.ZStart * plane,
            s.OwnedNodePlanes * plane);
    }

    /// <summary>A level's node planes, ghost planes included, out of the whole vector every rank holds.</summary>
    private void ScatterNodes(Level level, Field<float> whole, Field<float> slab) =>
        _gather.Scatter(whole, slab, 3, level.Nodes.Count, _allNodes.Count, level.Nodes.ZOffset * level.Nodes.Plane);

    public void Dispose()
    {
        _tail.Dispose();
        foreach (var f in _owned) f.Dispose();
    }
}
