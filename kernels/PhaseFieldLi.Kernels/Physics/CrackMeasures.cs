using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Crack diagnostics on the device. Value: 1 for each line of cells along the cleavage normal M
/// (counted at its cell with index 0 along M) that holds a LLZO cell with d &gt; ½ — the crack area
/// projected on the cleavage plane, in h². Key: the float bits of the largest in-plane distance of
/// such a cell from the corner line (the symmetry axis of an octant model), in h.
/// A line runs over planes [LineFirst, LineFirst + LineLength) along M (LineLength = 0: the whole
/// grid); a slab cut across M counts the part of each line it owns, and the ranks add the parts.
/// </summary>
public struct CrackLinesRule<TF, TI> : ICellSum, ICellMax where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Damage;
    public TI Material;
    public int Axis, LineFirst, LineLength;

    private bool Cracked(int idx) => Damage[idx] > 0.5f && Material[idx] == Materials.Llzo;

    public double Value(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        int along = Axis == 0 ? i : Axis == 1 ? j : k;
        if (along != LineFirst) return 0.0;
        int stride = Axis == 0 ? 1 : Axis == 1 ? Grid.Nx : Grid.Plane;
        int length = LineLength > 0 ? LineLength : Axis == 0 ? Grid.Nx : Axis == 1 ? Grid.Ny : Grid.Nz;
        for (int n = 0; n < length; n++)
            if (Cracked(idx + n * stride)) return 1.0;
        return 0.0;
    }

    public long Key(int idx)
    {
        if (!Cracked(idx)) return long.MinValue;
        Grid.Decompose(idx, out int i, out int j, out int k);
        float a = (Axis == 0 ? j : i) + 1f, b = (Axis == 2 ? j : k + Grid.ZOffset) + 1f;
        return ILGPU.Interop.FloatAsInt(MathF.Sqrt(a * a + b * b));
    }
}

/// <summary>
/// Largest pressure −tr σ/3 in a LLZO cell holding Li (ξ &gt; ½), as an order-preserving key of its
/// float bits (negative floats flipped so that the integer order is the float order).
/// </summary>
public struct LiPressureMaxRule<TF, TI> : ICellMax where TF : struct, IView<float> where TI : struct, IView<int>
{
    public TF Xi, Pressure;
    public TI Material;

    public long Key(int idx)
    {
        if (Xi[idx] <= 0.5f || Material[idx] != Materials.Llzo) return long.MinValue;
        int bits = (int)ILGPU.Interop.FloatAsInt(Pressure[idx]);
        return bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
    }

    /// <summary>The pressure a key stands for (NaN for "no such cell").</summary>
    public static float Decode(long key)
    {
        if (key == long.MinValue) return float.NaN;
        int bits = (int)key;
        return BitConverter.Int32BitsToSingle(bits >= 0 ? bits : bits ^ 0x7FFFFFFF);
    }
}

/// <summary>
/// The resolved Li in the electrolyte and its pressure: first Σ p, second the number of cells, over
/// the LLZO cells holding Li (ξ &gt; ½, as for <see cref="LiPressureMaxRule{TF,TI}"/>). Their ratio is
/// the mean pressure −tr σ/3 of that Li. Unlike the largest cell's pressure, which sits at the
/// corners of a faceted Li body where the elastic field is singular, it converges as the grid is
/// refined (docs/validation.md, the resolution study). Sub-cell sheets (ξ ≤ ½) are left out: their
/// cell's stress is mostly the LLZO's around the crack, not the Li's.
/// </summary>
public struct LiPressureSumsRule<TF, TI> : ICellSum2 where TF : struct, IView<float> where TI : struct, IView<int>
{
    public TF Xi, Pressure;
    public TI Material;

    public void Values(int idx, out double first, out double second)
    {
        bool li = Xi[idx] > 0.5f && Material[idx] == Materials.Llzo;
        first = li ? Pressure[idx] : 0.0;
        second = li ? 1.0 : 0.0;
    }
}

/// <summary>What <see cref="LeafExtentRule{TF,TI}"/> measures (its Measure field).</summary>
public static class LeafMeasure
{
    /// <summary>The most qualifying cells on one line along M (or, with sheets, the line sum of ξ in 1/4096 cell).</summary>
    public const int LineThickness = 0;
    /// <summary>The largest index + 1 along the first in-plane axis a.</summary>
    public const int ExtentA = 1;
    /// <summary>The largest index + 1 along the second in-plane axis b.</summary>
    public const int ExtentB = 2;
    /// <summary>−(the smallest index along b).</summary>
    public const int NegativeLowB = 3;
}

/// <summary>
/// Size of a leaf (Li in LLZO, ξ &gt; ½; Crack = 0) or of a crack (d &gt; ½; Crack = 1) on the device,
/// measured in cells against the cleavage normal M (axis Axis) and the two in-plane axes a &lt; b:
/// LeafMeasure.LineThickness: the most qualifying cells on one line along M (counted at the line's cell
/// with index 0 along M) — the half-thickness when the cleavage plane is the low symmetry face;
/// ExtentA: the largest index + 1 along a; ExtentB: the largest index + 1 along b; NegativeLowB:
/// −(the smallest index along b).
/// Key: that number; long.MinValue where the cell does not qualify.
/// Sheets = 1 (thin_sheets): a leaf cell is also cracked LLZO holding a sheet of ξ &gt; SheetVisible,
/// and LineThickness sums ξ along the line (the sub-cell sheet thickness) in units of 1/4096 cell.
/// Lines of LineThickness run over [LineFirst, LineFirst + LineLength) along M as in CrackLinesRule.
/// </summary>
public struct LeafExtentRule<TF, TI> : ICellMax where TF : struct, IView<float> where TI : struct, IView<int>
{
    /// <summary>Thinnest sheet that counts as leaf: 1 % of a cell (10 nm at h = 1 µm).</summary>
    public const float SheetVisible = 0.01f;
    public GridShape Grid;
    public TF Xi, Damage;
    public TI Material, Label;
    public int Axis, Crack, Measure, Sheets, LineFirst, LineLength;

    /// <summary>Leaf: Li in LLZO that is not the positive electrode's (its diffuse tail left in cells a
    /// crack reaches later is no leaf).</summary>
    private bool Qualifies(int idx) =>
        Material[idx] == Materials.Llzo && (Crack != 0 ? Damage[idx] > 0.5f
            : Label[idx] != Bodies.Positive && (Xi[idx] > 0.5f || (Sheets != 0 && Damage[idx] > 0.5f && Xi[idx] > SheetVisible)));

    public long Key(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        int along = Axis == 0 ? i : Axis == 1 ? j : k;
        int a = Axis == 0 ? j : i, b = Axis == 2 ? j : k + Grid.ZOffset;
        if (Measure == LeafMeasure.LineThickness)
        {
            if (along != LineFirst) return long.MinValue;
            int stride = Axis == 0 ? 1 : Axis == 1 ? Grid.Nx : Grid.Plane;
            int length = LineLength > 0 ? LineLength : Axis == 0 ? Grid.Nx : Axis == 1 ? Grid.Ny : Grid.Nz;
            int count = 0;
            float fill = 0f;
            for (int n = 0; n < length; n++)
            {
                if (!Qualifies(idx + n * stride)) continue;
                count++;
                fill += Xi[idx + n * stride];
            }
            if (count == 0) return long.MinValue;
            return Sheets != 0 && Crack == 0 ? (long)(fill * 4096f) : count;
        }
        if (!Qualifies(idx)) return long.MinValue;
        return Measure == LeafMeasure.ExtentA ? a + 1 : Measure == LeafMeasure.ExtentB ? b + 1 : -b;
    }
}
