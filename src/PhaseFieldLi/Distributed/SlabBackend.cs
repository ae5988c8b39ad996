using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// One rank's backend in a distributed run: the rank's own device (or the host), holding the fields of
/// its slab with ghost planes. Every per-cell launch over the slab runs on the owned cells only
/// (OwnedRange.cs), and every reduction adds (or takes the maximum of) the ranks' owned parts with one
/// MPI_Allreduce, so the model above it reads global numbers. The ghost planes are filled by the
/// operations' halo step (<see cref="Operations{TF,TI}"/>, with this slab's partition) before each
/// stencil that reads them. Asked (<see cref="Backend.GetService"/>), it provides the multigrids across
/// the ranks (levels on slabs, a gathered tail) and the per-rank snapshot files.
/// </summary>
public sealed class SlabBackend<TF, TI>(Backend<TF, TI> inner, SlabPartition partition) : Backend<TF, TI>,
    Solvers.IMultigridFactory, OutputWriters.ISnapshotWriterFactory
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    private readonly GridShape _local = partition.Local;
    private readonly GridShape _owned = new(partition.Local.Nx, partition.Local.Ny, partition.Slabs.OwnedPlanes);
    private readonly int _first = partition.OwnedFirst, _kFirst = partition.Slabs.GhostBelow;
    // Nodal fields: the slab's nodes, its owned node planes, and the cells whose elements add into them.
    private readonly GridShape _nodes = partition.Slabs.LocalNodes;
    private readonly GridShape _ownedNodes = new(partition.Local.Nx + 1, partition.Local.Ny + 1, partition.Slabs.OwnedNodePlanes);
    private readonly GridShape _elements = new(partition.Local.Nx, partition.Local.Ny, partition.Slabs.ElementPlanes);
    private int NodeFirst => _kFirst * _nodes.Plane;

    public SlabPartition SlabPartition => partition;
    public Backend<TF, TI> Inner => inner;
    public override IOperations CreateOperations() => new SlabOperations<TF, TI>(this, partition);

    public override IPartition Partition(GridShape global) =>
        global.Nx == partition.Global.Nx && global.Ny == partition.Global.Ny && global.Nz == partition.Global.Nz ? partition
            : throw new ArgumentException($"a {global.Nx}×{global.Ny}×{global.Nz} grid on a rank of a {partition.Global.Nx}×{partition.Global.Ny}×{partition.Global.Nz} decomposition");
    public override object? GetService(Type serviceType) =>
        serviceType == typeof(Solvers.IMultigridFactory) || serviceType == typeof(OutputWriters.ISnapshotWriterFactory) ? this : null;

    public Solvers.IPreconditioner CreateMultigrid(IOperations ops, GridShape cells) => DistributedMultigrid<TF, TI>.Create(this, ops);
    public Solvers.IElasticMultigrid CreateElasticMultigrid(IOperations ops, GridShape cells) => DistributedElasticMultigrid.Create(this, ops);

    public OutputWriters.ISnapshotWriter Create(string outputDirectory, OutputWriters.RunMetadata metadata) =>
        new SlabSnapshotWriter(outputDirectory, metadata, partition.Mpi, partition.Slabs);

    public override string Name => inner.Name;
    public override string Device =>
        $"{inner.Device}; rank {partition.Rank} of {partition.Size}, z-planes {partition.Slabs.ZStart}…{partition.Slabs.ZStart + partition.Slabs.OwnedPlanes - 1}";
    public override long MemoryBytes => inner.MemoryBytes;
    public override LaunchCounts Counts => inner.Counts;
    public override IReadOnlyDictionary<string, (long Launches, double Seconds)> KernelTimes => inner.KernelTimes;
    public override void ResetKernelTimes() => inner.ResetKernelTimes();
    public override void CopyField(Field<float> source, Field<float> target) => inner.CopyField(source, target);
    public override Field<float> Float(string name, int length) => inner.Float(name, length);
    public override Field<int> Int(string name, int length) => inner.Int(name, length);
    public override TF View(Field<float> field) => inner.View(field);
    public override TI View(Field<int> field) => inner.View(field);

    /// <summary>
    /// What a launch of `count` items covers on a slab: its cells, its nodes (a grid rule over the
    /// node grid) or a nodal vector (three blocks of nodes). Nothing else is defined on a slab.
    /// </summary>
    private enum Over { Cells, Nodes, NodalVector }

    private Over Kind(int count)
    {
        if (count == _local.Count) return Over.Cells;
        if (count == _nodes.Count) return Over.Nodes;
        if (count == 3 * _nodes.Count) return Over.NodalVector;
        throw new NotSupportedException(
            $"a launch over {count} items on a slab of {_local.Count} cells and {_nodes.Count} nodes: only per-cell and per-node launches run distributed");
    }

    private int OwnedNodes => _ownedNodes.Count;

    public override void ForEach<TRule>(TRule rule, int count)
    {
        switch (Kind(count))
        {
            case Over.Cells: inner.ForEach(new OwnedRule<TRule> { Inner = rule, First = _first }, _owned.Count); break;
            case Over.Nodes: inner.ForEach(new OwnedRule<TRule> { Inner = rule, First = NodeFirst }, OwnedNodes); break;
            default:
                inner.ForEach(new OwnedBlocksRule<TRule> { Inner = rule, First = NodeFirst, Owned = OwnedNodes, Block = _nodes.Count },
                    3 * OwnedNodes);
                break;
        }
    }

    public override void ForEachCell<TRule>(TRule rule, GridShape g)
    {
        switch (Kind(g.Count))
        {
            case Over.Cells: inner.ForEachCell(new OwnedGridRule<TRule> { Inner = rule, First = _first, KFirst = _kFirst }, _owned); break;
            case Over.Nodes: inner.ForEachCell(new OwnedGridRule<TRule> { Inner = rule, First = NodeFirst, KFirst = _kFirst }, _ownedNodes); break;
            default: throw new NotSupportedException($"a grid launch over a nodal vector of {g.Count} entries");
        }
    }

    /// <summary>
    /// A finite-element pass (a rule on cells that adds into their corner nodes): over the owned
    /// cells and the ghost cell plane below, the elements that touch the owned nodes. The nodes
    /// outside the owned planes receive partial sums, which the next ghost fill overwrites.
    /// </summary>
    public void ForEachElement<TRule>(TRule rule) where TRule : struct, IGridRule => inner.ForEachCell(rule, _elements);

    public override double Sum<TRule>(TRule rule, int count) => partition.Sum(Kind(count) switch
    {
        Over.Cells => inner.Sum(new OwnedSum<TRule> { Inner = rule, First = _first }, _owned.Count),
        Over.Nodes => inner.Sum(new OwnedSum<TRule> { Inner = rule, First = NodeFirst }, OwnedNodes),
        _ => inner.Sum(new OwnedBlocksSum<TRule> { Inner = rule, First = NodeFirst, Owned = OwnedNodes, Block = _nodes.Count }, 3 * OwnedNodes),
    });

    public override double SumCells<TRule>(TRule rule, GridShape g)
    {
        if (Kind(g.Count) != Over.Cells) throw new NotSupportedException("a grid sum runs over the cells only");
        return partition.Sum(inner.SumCells(new OwnedGridSum<TRule> { Inner = rule, First = _first, KFirst = _kFirst }, _owned));
    }

    public override (double First, double Second) Sum2<TRule>(TRule rule, int count)
    {
        var (a, b) = Kind(count) switch
        {
            Over.Cells => inner.Sum2(new OwnedSum2<TRule> { Inner = rule, First = _first }, _owned.Count),
            Over.Nodes => inner.Sum2(new OwnedSum2<TRule> { Inner = rule, First = NodeFirst }, OwnedNodes),
            _ => inner.Sum2(new OwnedBlocksSum2<TRule> { Inner = rule, First = NodeFirst, Owned = OwnedNodes, Block = _nodes.Count },
                3 * OwnedNodes),
        };
        Span<double> both = [a, b];
        partition.Sum(both);
        return (both[0], both[1]);
    }

    public override long Max<TRule>(TRule rule, int count) => partition.Max(Kind(count) switch
    {
        Over.Cells => inner.Max(new OwnedMax<TRule> { Inner = rule, First = _first }, _owned.Count),
        Over.Nodes => inner.Max(new OwnedMax<TRule> { Inner = rule, First = NodeFirst }, OwnedNodes),
        _ => inner.Max(new OwnedBlocksMax<TRule> { Inner = rule, First = NodeFirst, Owned = OwnedNodes, Block = _nodes.Count }, 3 * OwnedNodes),
    });

    public override void Synchronize() => inner.Synchronize();
    public override void Dispose() => inner.Dispose();
}

/// <summary>Wraps the backend of this rank's device for its slab.</summary>
public static class SlabBackend
{
    public static Backend Wrap(Backend inner, SlabPartition partition) => inner.WithAccessors(new Wrapper(partition));

    private sealed class Wrapper(SlabPartition partition) : IAccessorVisitor<Backend>
    {
        public Backend Visit<TF, TI>(Backend<TF, TI> backend) where TF : struct, IView<float> where TI : struct, IView<int> =>
            new SlabBackend<TF, TI>(backend, partition);
    }
}
