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
