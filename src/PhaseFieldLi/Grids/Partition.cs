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
public interface IPartition
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

    /// <summary>Copies the neighbours' edge planes into this process's ghost planes.</summary>
    void FillGhosts(Field<float> field);
    void FillGhosts(Field<int> field);
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
}
