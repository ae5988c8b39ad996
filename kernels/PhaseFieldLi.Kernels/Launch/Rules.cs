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
