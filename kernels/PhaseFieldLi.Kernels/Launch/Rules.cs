using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Kernels.Launch;

/// <summary>A per-cell update: reads its inputs and writes its outputs at linear index idx.</summary>
public interface ICellRule
{
    void Apply(int idx);
}

/// <summary>A per-cell contribution to a global sum (evaluated in double precision).</summary>
public interface ICellSum
{
    double Value(int idx);
}

/// <summary>A per-cell key whose global maximum is wanted (long.MinValue = "no candidate").</summary>
public interface ICellMax
{
    long Key(int idx);
}

/// <summary>Two per-cell contributions summed in one pass.</summary>
public interface ICellSum2
{
    void Values(int idx, out double first, out double second);
}

/// <summary>
/// A per-cell update over a grid that also accepts the cell's (i, j, k). Device kernels call
/// <see cref="ICellRule.Apply(int)"/>, which decomposes idx; the host backend walks the grid row by
/// row and passes the indices, saving two integer divisions per cell.
/// </summary>
public interface IGridRule : ICellRule
{
    void Apply(int idx, int i, int j, int k);
}

/// <summary>A per-cell contribution to a global sum over a grid, given the cell's (i, j, k) (see <see cref="IGridRule"/>).</summary>
public interface IGridSum : ICellSum
{
    double Value(int idx, int i, int j, int k);
}

/// <summary>
/// A red–black pass launched on the cells of one colour only: thread t is the m-th cell of its colour
/// in row (j, k), m = t mod ⌈Nx/2⌉, i = 2m + ((j + k + ZOffset + colour) mod 2). Half the threads of a
/// launch over every cell, none of them idle. The inner rule's own colour test still holds, so the
/// cells updated (and their values) are the same as launching the inner rule on every cell.
/// </summary>
public struct ColourCellsRule<TRule> : ICellRule where TRule : struct, IGridRule
{
    public TRule Inner;
    public GridShape Grid;
    public int Colour;

    /// <summary>Threads to launch: ⌈Nx/2⌉ per row.</summary>
    public static int Threads(in GridShape g) => (g.Nx + 1) / 2 * g.Ny * g.Nz;

    public void Apply(int t)
    {
        int half = (Grid.Nx + 1) / 2;
        int row = t / half;
        int m = t - row * half;
        int k = row / Grid.Ny;
        int j = row - k * Grid.Ny;
        int i = 2 * m + ((j + k + Grid.ZOffset + Colour) & 1);
        if (i < Grid.Nx) Inner.Apply(Grid.Index(i, j, k), i, j, k);
    }
}

/// <summary>A grid sum run as a plain pass: its writes are wanted, its sum is not (no reduction, no host wait).</summary>
public struct DiscardSum<TSum> : IGridRule where TSum : struct, IGridSum
{
    public TSum Inner;

    public void Apply(int idx) => Inner.Value(idx);

    public void Apply(int idx, int i, int j, int k) => Inner.Value(idx, i, j, k);
}
