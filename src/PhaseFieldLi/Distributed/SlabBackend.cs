using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Models;

namespace PhaseFieldLi.Distributed;

/// <summary>A backend that holds one rank's slab: the model asks it for its partition and operations.</summary>
public interface ISlabBackend
{
    SlabPartition Partition { get; }
    IOperations CreateOperations();

    /// <summary>The multigrid preconditioner of a distributed CG, over the slab operations ops.</summary>
    Solvers.IPreconditioner CreateMultigrid(IOperations ops);
}

/// <summary>
/// One rank's backend in a distributed run: the rank's own device (or the host), holding the fields of
/// its slab with ghost planes. Every per-cell launch over the slab runs on the owned cells only
/// (OwnedRange.cs), and every reduction adds (or takes the maximum of) the ranks' owned parts with one
/// MPI_Allreduce, so the model above it reads global numbers. The ghost planes are filled by
/// <see cref="SlabOperations{TF,TI}"/> before each stencil that reads them.
/// </summary>
public sealed class SlabBackend<TF, TI>(Backend<TF, TI> inner, SlabPartition partition) : Backend<TF, TI>, ISlabBackend
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    private readonly GridShape _local = partition.Local;
    private readonly GridShape _owned = new(partition.Local.Nx, partition.Local.Ny, partition.Slabs.OwnedPlanes);
    private readonly int _first = partition.OwnedFirst, _kFirst = partition.Slabs.GhostBelow;

    public SlabPartition Partition => partition;
    public Backend<TF, TI> Inner => inner;
    public IOperations CreateOperations() => new SlabOperations<TF, TI>(this, partition);
    public Solvers.IPreconditioner CreateMultigrid(IOperations ops) => new DistributedMultigrid<TF, TI>(this, ops);

    public override string Name => inner.Name;
    public override string Device =>
        $"{inner.Device}; rank {partition.Rank} of {partition.Size}, z-planes {partition.Slabs.ZStart}…{partition.Slabs.ZStart + partition.Slabs.OwnedPlanes - 1}";
    public override long MemoryBytes => inner.MemoryBytes;
    public override Field<float> Float(string name, int length) => inner.Float(name, length);
    public override Field<int> Int(string name, int length) => inner.Int(name, length);
    public override TF View(Field<float> field) => inner.View(field);
    public override TI View(Field<int> field) => inner.View(field);

    /// <summary>Only launches over the whole slab are meaningful on a rank (no body- or node-sized ones).</summary>
    private void Check(int count)
    {
        if (count != _local.Count)
            throw new NotSupportedException($"a launch over {count} items on a slab of {_local.Count} cells: only per-cell launches run distributed");
    }

    public override void ForEach<TRule>(TRule rule, int count)
    {
        Check(count);
        inner.ForEach(new OwnedRule<TRule> { Inner = rule, First = _first }, _owned.Count);
    }

    public override void ForEachCell<TRule>(TRule rule, GridShape g)
    {
        Check(g.Count);
        inner.ForEachCell(new OwnedGridRule<TRule> { Inner = rule, First = _first, KFirst = _kFirst }, _owned);
    }

    public override double Sum<TRule>(TRule rule, int count)
    {
        Check(count);
        return partition.Sum(inner.Sum(new OwnedSum<TRule> { Inner = rule, First = _first }, _owned.Count));
    }

    public override double SumCells<TRule>(TRule rule, GridShape g)
    {
        Check(g.Count);
        return partition.Sum(inner.SumCells(new OwnedGridSum<TRule> { Inner = rule, First = _first, KFirst = _kFirst }, _owned));
    }

    public override (double First, double Second) Sum2<TRule>(TRule rule, int count)
    {
        Check(count);
        var (a, b) = inner.Sum2(new OwnedSum2<TRule> { Inner = rule, First = _first }, _owned.Count);
        Span<double> both = [a, b];
        partition.Sum(both);
        return (both[0], both[1]);
    }

    public override long Max<TRule>(TRule rule, int count)
    {
        Check(count);
        return partition.Max(inner.Max(new OwnedMax<TRule> { Inner = rule, First = _first }, _owned.Count));
    }

    public override void Synchronize() => inner.Synchronize();
    public override void Dispose() => inner.Dispose();
}

/// <summary>Wraps the backend of this rank's device for its slab.</summary>
public static class SlabBackend
{
    public static Backend Wrap(Backend inner, SlabPartition partition) => inner switch
    {
        HostBackend h => new SlabBackend<HostView<float>, HostView<int>>(h, partition),
        IlgpuBackend d => new SlabBackend<DeviceView<float>, DeviceView<int>>(d, partition),
        _ => throw new ArgumentException($"unknown backend type {inner.GetType().Name}"),
    };
}
