using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Solvers;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// The elasticity multigrid (<see cref="ElasticMultigrid"/>'s V-cycle) on a slab-decomposed grid: the
/// same levels, coarse operators, damped-Jacobi smoother and nodal transfers, each level run by its
/// slab operations (element passes over the owned cells and the ghost cell plane below; nodal ghost
/// planes filled before each operator application, restriction and prolongation). A coarse slab holds
/// the coarse planes whose lower child lies in the fine slab, as in <see cref="DistributedMultigrid{TF,TI}"/>;
/// its owned node planes are then the even fine planes the fine slab owns. Once the next level would
/// leave a rank fewer than 2 planes, or would be the one-process multigrid's coarsest, the level is
/// gathered (<see cref="GatheredTail"/>): the ranks add their owned nodes into one whole vector (one
/// Allreduce per cycle) and every rank finishes the cycle with a one-process elastic multigrid on that
/// level.
/// </summary>
public static class DistributedElasticMultigrid
{
    public static ElasticMultigrid Create<TF, TI>(SlabBackend<TF, TI> fine, IOperations fineOps)
        where TF : struct, IView<float> where TI : struct, IView<int>
    {
        var device = fine.Inner;
        var owned = new List<IDisposable>();
        Field<float> F(string name, int n)
        {
            var f = device.Float(name, n);
            owned.Add(f);
            return f;
        }
        Field<int> I(string name, int n)
        {
            var f = device.Int(name, n);
            owned.Add(f);
            return f;
        }
        var levels = new List<ElasticMultigrid.Level> { ElasticMultigrid.Level.Fine(fine.SlabPartition, fineOps, F, "demg") };
        var power = F("demg_power", 3 * levels[0].Nodes.Count);
        var fp = fine.SlabPartition; // the last level's slabs
        while (true)
        {
            var g = fp.Global;
            var coarse = new GridShape(g.Nx / 2, g.Ny / 2, g.Nz / 2);
            // The one-process multigrid's coarsest level stays with it (the gathered tail has ≥ 2 levels).
            if (!ElasticMultigrid.CanCoarsen(coarse)) break;
            var fs = fp.Slabs;
            int zStart = (fs.ZStart + 1) / 2, zEnd = (fs.ZStart + fs.OwnedPlanes + 1) / 2;
            int fewest = -(int)fp.Max(-(zEnd - zStart));
            if (fewest < SlabDecomposition.MinPlanes) break;
            var p = new SlabPartition(fp.Mpi, new SlabDecomposition(coarse, fs.Rank, fs.Size, zStart, zEnd - zStart));
            levels.Add(ElasticMultigrid.Level.Coarse(p, new SlabBackend<TF, TI>(device, p).CreateOperations(), levels.Count, F, I, "demg"));
            fp = p;
        }
        var tail = new GatheredTail(device, fp, levels, F, I);
        string Describe() => SlabCycle.Describe("elastic multigrid", levels.SkipLast(1).Select(l => l.Partition.Global),
            tail.Cells, $"{tail.LevelsBelow + 1} levels");
        return new ElasticMultigrid(levels, tail, power, owned, Describe);
    }

    /// <summary>
    /// The last slab level gathered onto every rank: the whole grid of LLZO blocks with that level's
    /// stiffness (on the fine level itself, the whole fine grid as such blocks: a tiny grid or many
    /// ranks), solved by a one-process elastic multigrid; its correction scattered back into each
    /// rank's node planes, ghost planes included.
    /// </summary>
    public sealed class GatheredTail : ElasticMultigrid.ICoarsestSolve
    {
        private readonly IOperations _deviceOps;
        private readonly ElasticMultigrid _tail;
        private readonly Field<float> _bAll, _xAll, _damageAll, _xiAll, _inverseDiagonalAll;
        private readonly Field<int> _materialAll;
        private readonly GridShape _allNodes;
        private readonly SlabGather _gather = new();
        private readonly SlabPartition _slabs;
        private ElasticSystem _systemAll;

        public GatheredTail(Backend device, SlabPartition slabs, List<ElasticMultigrid.Level> levels, Func<string, int, Field<float>> allocate,
            Func<string, int, Field<int>> allocateInt)
        {
            _deviceOps = device.CreateOperations();
            _slabs = slabs;
            var last = levels[^1];
            Cells = last.Partition.Global;
            _allNodes = new GridShape(Cells.Nx + 1, Cells.Ny + 1, Cells.Nz + 1);
            int allDofs = 3 * _allNodes.Count;
            _bAll = allocate("demg_b_all", allDofs);
            _xAll = allocate("demg_x_all", allDofs);
            _inverseDiagonalAll = allocate("demg_inverse_diagonal_all", allDofs);
            _damageAll = allocate("demg_damage_all", Cells.Count);
            _xiAll = allocate("demg_xi_all", Cells.Count);
            _materialAll = allocateInt("demg_material_all", Cells.Count);
            // Gathered at the fine level itself: its effective damage needs a field of its own.
            if (levels.Count == 1) last.Damage = allocate("demg_damage_0", last.Cells.Count);
            _tail = new ElasticMultigrid(device, _deviceOps, Cells);
        }

        /// <summary>The gathered grid (the whole grid of the last slab level).</summary>
        public GridShape Cells { get; }

        public int LevelsBelow => _tail.Levels - 1;

        public void Setup(ElasticMultigrid.Level last, in ElasticSystem fine, ElasticBoundary coarseBoundary, int level)
        {
            if (level == 0) last.Ops.EffectiveDamage(last.Factor, last.Damage!, fine.P.ResidualStiffness);
            var s = _slabs.Slabs;
            _gather.Gather(_slabs, last.Damage!, _damageAll, 1, s.Local.Count, s.Global.Count, s.OwnedFirst, s.ZStart * s.Global.Plane,
                s.OwnedPlanes * s.Global.Plane);
            _systemAll = ElasticSmoother.CoarseSystem(fine, coarseBoundary, level, Cells, _allNodes, _xiAll, _damageAll, _materialAll);
            ElasticSmoother.InverseDiagonal(_deviceOps, _systemAll, _inverseDiagonalAll);
            _tail.Prepare(_systemAll, _inverseDiagonalAll);
        }

        public void Solve(ElasticMultigrid.Level last, Field<float> b, Field<float> x)
        {
            // The ranks' owned node planes, three component blocks, into one whole vector on every rank.
            var s = _slabs.Slabs;
            int plane = last.Nodes.Plane;
            _gather.Gather(_slabs, b, _bAll, 3, last.Nodes.Count, _allNodes.Count, s.GhostBelow * plane, s.ZStart * plane,
                s.OwnedNodePlanes * plane);
            _deviceOps.Fill(_xAll, 0f);
            _tail.Apply(_bAll, _xAll);
            // The level's node planes, ghost planes included, out of the whole vector.
            _gather.Scatter(_xAll, x, 3, last.Nodes.Count, _allNodes.Count, last.Nodes.ZOffset * last.Nodes.Plane);
        }

        public void Dispose() => _tail.Dispose();
    }
}
