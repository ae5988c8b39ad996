using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Kernels.Launch;

// A rank of a slab-decomposed run holds its owned planes between ghost planes that copy its
// neighbours' edge planes. Every per-cell rule runs on the owned cells only: these wrappers launch
// a rule over [0, owned count) and hand it the local index First + idx (and, for grid rules, the
// plane k + KFirst), so the rule itself never knows it runs on a slab.

/// <summary>A cell rule on the owned cells: idx ↦ First + idx.</summary>
public struct OwnedRule<TRule> : ICellRule where TRule : struct, ICellRule
{
    public TRule Inner;
    public int First;

    public void Apply(int idx) => Inner.Apply(First + idx);
}

/// <summary>A grid rule on the owned planes: (idx, i, j, k) ↦ (First + idx, i, j, KFirst + k).</summary>
public struct OwnedGridRule<TRule> : IGridRule where TRule : struct, IGridRule
{
    public TRule Inner;
    public int First, KFirst;

    public void Apply(int idx) => Inner.Apply(First + idx);
    public void Apply(int idx, int i, int j, int k) => Inner.Apply(First + idx, i, j, KFirst + k);
}

/// <summary>A cell sum over the owned cells.</summary>
public struct OwnedSum<TRule> : ICellSum where TRule : struct, ICellSum
{
    public TRule Inner;
    public int First;

    public double Value(int idx) => Inner.Value(First + idx);
}

/// <summary>A grid sum over the owned planes.</summary>
public struct OwnedGridSum<TRule> : IGridSum where TRule : struct, IGridSum
{
    public TRule Inner;
    public int First, KFirst;

    public double Value(int idx) => Inner.Value(First + idx);
    public double Value(int idx, int i, int j, int k) => Inner.Value(First + idx, i, j, KFirst + k);
}

/// <summary>A two-value sum over the owned cells.</summary>
public struct OwnedSum2<TRule> : ICellSum2 where TRule : struct, ICellSum2
{
    public TRule Inner;
    public int First;

    public void Values(int idx, out double first, out double second) => Inner.Values(First + idx, out first, out second);
}

/// <summary>A maximum over the owned cells.</summary>
public struct OwnedMax<TRule> : ICellMax where TRule : struct, ICellMax
{
    public TRule Inner;
    public int First;

    public long Key(int idx) => Inner.Key(First + idx);
}

// Nodal vectors (the displacement: three component blocks of Block nodes each) own a run of node
// planes in every block: idx ∈ [0, 3·Owned) ↦ First + (idx / Owned)·Block + idx mod Owned.

/// <summary>The local index of the idx-th owned entry of a block vector.</summary>
public static class OwnedBlocks
{
    public static int Local(int idx, int first, int owned, int block)
    {
        int c = idx / owned;
        return first + c * block + (idx - c * owned);
    }
}

/// <summary>A rule on the owned entries of a block vector.</summary>
public struct OwnedBlocksRule<TRule> : ICellRule where TRule : struct, ICellRule
{
    public TRule Inner;
    public int First, Owned, Block;

    public void Apply(int idx) => Inner.Apply(OwnedBlocks.Local(idx, First, Owned, Block));
}

/// <summary>A sum over the owned entries of a block vector.</summary>
public struct OwnedBlocksSum<TRule> : ICellSum where TRule : struct, ICellSum
{
    public TRule Inner;
    public int First, Owned, Block;

    public double Value(int idx) => Inner.Value(OwnedBlocks.Local(idx, First, Owned, Block));
}

/// <summary>A two-value sum over the owned entries of a block vector.</summary>
public struct OwnedBlocksSum2<TRule> : ICellSum2 where TRule : struct, ICellSum2
{
    public TRule Inner;
    public int First, Owned, Block;

    public void Values(int idx, out double first, out double second) =>
        Inner.Values(OwnedBlocks.Local(idx, First, Owned, Block), out first, out second);
}

/// <summary>A maximum over the owned entries of a block vector.</summary>
public struct OwnedBlocksMax<TRule> : ICellMax where TRule : struct, ICellMax
{
    public TRule Inner;
    public int First, Owned, Block;

    public long Key(int idx) => Inner.Key(OwnedBlocks.Local(idx, First, Owned, Block));
}

// Lines of cells across the slabs (a crack's extent along z): each rank evaluates its part of every
// line at the line's cell in its first owned plane, into a plane-sized field the ranks then add.

/// <summary>Parts[idx] = the line sum rule's value at cell First + idx (idx over one plane).</summary>
public struct LineSumPartsRule<TRule, TF> : ICellRule where TRule : struct, ICellSum where TF : struct, IView<float>
{
    public TRule Inner;
    public TF Parts;
    public int First;

    public void Apply(int idx) => Parts[idx] = (float)Inner.Value(First + idx);
}

/// <summary>Parts[idx] = the line maximum rule's key at cell First + idx, 0 where it has none (a count or a fill: exact in a float below 2²⁴).</summary>
public struct LineKeyPartsRule<TRule, TF> : ICellRule where TRule : struct, ICellMax where TF : struct, IView<float>
{
    public TRule Inner;
    public TF Parts;
    public int First;

    public void Apply(int idx)
    {
        long key = Inner.Key(First + idx);
        Parts[idx] = key == long.MinValue ? 0f : key;
    }
}
