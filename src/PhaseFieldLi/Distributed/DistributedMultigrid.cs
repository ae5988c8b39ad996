using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;
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
public static class DistributedMultigrid<TF, TI>
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    /// <summary>The multigrid of a slab-decomposed grid: the levels on slabs and the gathered coarsest solve.</summary>
    public static Multigrid Create(SlabBackend<TF, TI> fine, IOperations fineOps)
    {
        var device = fine.Inner;
        var partition = fine.SlabPartition;
        var owned = new List<IDisposable>();
        var r = device.Float("dmg_r", partition.Local.Count);
        owned.Add(r);
        var levels = new List<Multigrid.Level> { new(partition.Local, partition, fineOps) { R = r } };
        // A grid the one-process multigrid would not coarsen at all is gathered as it is.
        var last = partition;
        while (!IsLast(partition.Global))
        {
            var fs = last.Slabs;
            var g = last.Global;
            var coarse = new GridShape(Coarse(g.Nx), Coarse(g.Ny), Coarse(g.Nz));
            int zStart = (fs.ZStart + 1) / 2, zEnd = (fs.ZStart + fs.OwnedPlanes + 1) / 2;
            var p = new SlabPartition(partition.Mpi, new SlabDecomposition(coarse, fs.Rank, fs.Size, zStart, zEnd - zStart));
            levels.Add(Multigrid.Level.Coarse(p.Local, p, new SlabBackend<TF, TI>(device, p).CreateOperations(), device, owned));
            last = p;
            // Gather here if a rank would own fewer than 2 planes one level down, or this grid is one the
            // single-process multigrid would not coarsen further anyway.
            int fewest = -(int)partition.Max(-((zEnd + 1) / 2 - (zStart + 1) / 2));
            if (fewest < 2 || IsLast(coarse)) break;
        }
        var tail = new GatheredTail(device, last);
        string Describe() => SlabCycle.Describe("multigrid", levels.SkipLast(1).Select(l => l.Partition.Global), last.Global,
            $"{tail.LevelsBelow + 1} level(s)");
        return new Multigrid(device, levels, tail, owned, Describe);
    }

    /// <summary>The one-process multigrid's rule for its coarsest level.</summary>
    private static bool IsLast(GridShape g) => g.Count <= Multigrid.CoarsestCells || Math.Min(g.Nx, Math.Min(g.Ny, g.Nz)) == 1;

    /// <summary>
    /// The last level gathered: the ranks' owned planes added into the whole level on every rank (one
    /// Allreduce), its own prolongation weights computed there and scattered back, and the rest of the
    /// cycle run by the one-process multigrid of the whole level on every rank.
    /// </summary>
    private sealed class GatheredTail : Multigrid.ICoarsestSolve
    {
        private readonly SlabPartition _partition;
        private readonly IOperations _deviceOps;
        private readonly Multigrid _tail;
        private readonly Field<float> _sigmaAll, _shiftAll, _rhsAll, _xAll;
        private readonly TransferFields _weightsAll;
        private readonly List<IDisposable> _owned = [];
        private readonly SlabGather _gather = new();

        public GatheredTail(Backend<TF, TI> device, SlabPartition partition)
        {
            _partition = partition;
            _deviceOps = device.CreateOperations();
            var all = partition.Global;
            Field<float> F(string name)
            {
                var f = device.Float(name, all.Count);
                _owned.Add(f);
                return f;
            }
            _sigmaAll = F("dmg_sigma_all");
            _shiftAll = F("dmg_shift_all");
            _rhsAll = F("dmg_rhs_all");
            _xAll = F("dmg_x_all");
            _weightsAll = new TransferFields(F("dmg_wx_all"), F("dmg_wy_all"), F("dmg_wz_all"));
            _tail = new Multigrid(device, _deviceOps, all);
        }

        public bool SetsLastWeights => true;
        public int LevelsBelow => _tail.Levels - 1;

        public void Setup(Multigrid.Level last, OperatorSpec spec)
        {
            if (spec.PeriodicZ) throw new NotSupportedException("a slab-decomposed multigrid cannot be periodic in z");
            Gather(last.Sigma!, _sigmaAll);
            Gather(last.Shift!, _shiftAll);
            if (last.Weights != null) // prolongation from the gathered level onto the last level on slabs
            {
                _deviceOps.TransferWeights(_partition.Global, spec, _sigmaAll, _weightsAll);
                Scatter(_weightsAll.X, last.Weights.X);
                Scatter(_weightsAll.Y, last.Weights.Y);
                Scatter(_weightsAll.Z, last.Weights.Z);
            }
            _tail.Setup(new HelmholtzProblem(_partition.Global, _sigmaAll, _shiftAll, spec));
        }

        public void Solve(Multigrid.Level last, OperatorSpec spec)
        {
            Gather(last.Rhs!, _rhsAll);
            _deviceOps.Fill(_xAll, 0f);
            _tail.Apply(_rhsAll, _xAll);
            Scatter(_xAll, last.X!);
        }

        /// <summary>The ranks' owned planes of the level's field, added into one whole grid on every rank.</summary>
        private void Gather(Field<float> slab, Field<float> whole)
        {
            var s = _partition.Slabs;
            _gather.Gather(_partition, slab, whole, 1, s.Local.Count, s.Global.Count, s.OwnedFirst, s.ZStart * s.Global.Plane,
                s.OwnedPlanes * s.Global.Plane);
        }

        /// <summary>The level's planes, ghost planes included, out of the whole grid every rank holds.</summary>
        private void Scatter(Field<float> whole, Field<float> slab)
        {
            var s = _partition.Slabs;
            _gather.Scatter(whole, slab, 1, s.Local.Count, s.Global.Count, (s.ZStart - s.GhostBelow) * s.Global.Plane);
        }

        public void Dispose()
        {
            _tail.Dispose();
            foreach (var f in _owned) f.Dispose();
        }
    }
}

/// <summary>What the distributed multigrids (potential and elastic) share.</summary>
internal static class SlabCycle
{
    /// <summary>A distributed cycle in words: its slab levels, then the gathered level and what runs there.</summary>
    internal static string Describe(string name, IEnumerable<GridShape> slabLevels, GridShape gathered, string levelsFromThere)
    {
        static string Size(GridShape g) => $"{g.Nx}×{g.Ny}×{g.Nz}";
        var slabs = slabLevels.ToList();
        string tail = $"{Size(gathered)} gathered onto every rank ({levelsFromThere} from there on one process)";
        return slabs.Count == 0 ? $"{name}, the whole grid {tail}" : $"{name} {string.Join(" → ", slabs.Select(Size))} on slabs, {tail}";
    }
}
