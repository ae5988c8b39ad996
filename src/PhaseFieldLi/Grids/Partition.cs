using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Grids;

/// <summary>
/// The part of the global grid this process holds, and how it agrees with the processes holding the
/// rest. One process holds the whole grid (<see cref="WholeGrid"/>); a rank of a distributed run
/// holds a z-slab between ghost planes (PhaseFieldLi.Distributed.SlabPartition). Fields are allocated
/// on <see cref="Local"/>; per-cell rules run on the owned cells; global sums and maxima go through
/// <see cref="Sum"/> and <see cref="Max"/>.
/// </summary>
public interface IPartition : IHaloExchange
{
    GridShape Global { get; }

    /// <summary>The cells held here, ghost planes included; Local.ZOffset = global z of local plane 0.</summary>
    GridShape Local { get; }

    /// <summary>Local linear indices [OwnedFirst, OwnedEnd) of the cells this process owns.</summary>
    int OwnedFirst { get; }
    int OwnedEnd { get; }
    int Rank { get; }
    int Size { get; }

    /// <summary>Element-wise sums over every process, in place.</summary>
    void Sum(Span<double> values);

    /// <summary>The largest value over every process.</summary>
    long Max(long value);
}

/// <summary>
/// The ghost planes of this process's fields: copies of the neighbouring processes' edge planes, which
/// stencils read at the slab's faces. Filled in one explicit step before a stencil that reads the field
/// at its neighbours (PhaseFieldLi.Backends.Operations declares which). On one process there are none.
/// </summary>
public interface IHaloExchange
{
    /// <summary>Copies the neighbours' edge planes into this process's ghost planes.</summary>
    void FillGhosts(Field<float> field);
    void FillGhosts(Field<int> field);

    /// <summary>The same for a nodal vector of three component blocks (the displacement).</summary>
    void FillNodeGhosts(Field<float> blocks);
}

/// <summary>The halo of a process that holds the whole grid: nothing to fill.</summary>
public static class HaloExchange
{
    public static IHaloExchange None { get; } = new WholeGrid(new GridShape(1, 1, 1));
}

/// <summary>One process holds and owns the whole grid: every global operation is the local one.</summary>
public sealed class WholeGrid(GridShape grid) : IPartition
{
    public GridShape Global => grid;
    public GridShape Local => grid;
    public int OwnedFirst => 0;
    public int OwnedEnd => grid.Count;
    public int Rank => 0;
    public int Size => 1;
    public void Sum(Span<double> values) { }
    public long Max(long value) => value;
    public void FillGhosts(Field<float> field) { }
    public void FillGhosts(Field<int> field) { }
    public void FillNodeGhosts(Field<float> blocks) { }
}
