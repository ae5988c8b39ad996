using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Connected metal bodies by minimum-label propagation. Core cells (ξ > Threshold) connect bodies:
/// a core cell takes the smallest label among itself and its core neighbours, so labels only
/// decrease and the in-place update converges to the same fixed point whatever the thread order.
/// Rim cells (RimThreshold &lt; ξ ≤ Threshold), the diffuse tail of an interface, follow ξ uphill:
/// each takes the label of its labelled neighbour with the largest ξ above its own, so a tail
/// belongs to the body it is the tail of, even where the tails of two bodies overlap (with the
/// smallest neighbour label instead, the lower rim of a floating sphere joined the negative
/// electrode and leaked current at its potential). Rims never connect two bodies; all Li whose
/// change is a Faradaic current is counted in a body (mass ↔ charge balance). Collector cells
/// carry their electrode's label for ever; all other cells get −1.
/// Value() = 1 when the cell changed, so the sum counts the changes of one sweep.
/// </summary>
public struct PropagateLabelsRule<TF, TI> : ICellSum where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi, Damage;
    public TI Label, Material;
    public float Threshold, RimThreshold;
    /// <summary>1: damaged LLZO (d &gt; ½) conducts electrons along the crack faces and is core (BodyLabels.IsCore).</summary>
    public int CrackConduction;
    /// <summary>1 (thin sheets): an empty cracked LLZO cell (d &gt; ½) next to Li is a rim whatever its ξ,
    /// so a sheet's edge can deposit into it (LiPhase.Rate, edgeFill).</summary>
    public int SheetEdges;

    public double Value(int idx)
    {
        int material = Material[idx];
        int old = Label[idx];
        int next;
        if (material == Materials.CollectorNegative) next = Bodies.Negative;
        else if (material == Materials.CollectorPositive) next = Bodies.Positive;
        else
        {
            float xi = Xi[idx];
            bool core = BodyLabels.IsCore(xi, Damage[idx], material, Threshold, CrackConduction);
            bool edge = SheetEdges != 0 && material == Materials.Llzo && Damage[idx] > 0.5f;
            if (!core && xi <= RimThreshold && !edge) next = Bodies.None;
            else if (core)
            {
                // Core: the smallest label among itself and its core neighbours.
                next = old;
                Grid.Decompose(idx, out int i, out int j, out int k);
                if (i > 0) next = Smaller(next, idx - 1, Threshold);
                if (i < Grid.Nx - 1) next = Smaller(next, idx + 1, Threshold);
                if (j > 0) next = Smaller(next, idx - Grid.Nx, Threshold);
                if (j < Grid.Ny - 1) next = Smaller(next, idx + Grid.Nx, Threshold);
                if (k > 0) next = Smaller(next, idx - Grid.Plane, Threshold);
                if (k < Grid.Nz - 1) next = Smaller(next, idx + Grid.Plane, Threshold);
            }
            else
            {
                // Rim: the label of the labelled neighbour with the largest ξ above this cell's.
                next = Bodies.None;
                float best = xi;
                Grid.Decompose(idx, out int i, out int j, out int k);
                if (i > 0) Uphill(idx - 1, ref best, ref next);
                if (i < Grid.Nx - 1) Uphill(idx + 1, ref best, ref next);
                if (j > 0) Uphill(idx - Grid.Nx, ref best, ref next);
                if (j < Grid.Ny - 1) Uphill(idx + Grid.Nx, ref best, ref next);
                if (k > 0) Uphill(idx - Grid.Plane, ref best, ref next);
                if (k < Grid.Nz - 1) Uphill(idx + Grid.Plane, ref best, ref next);
            }
        }
        if (next == old) return 0.0;
        Label[idx] = next;
        return 1.0;
    }

    private void Uphill(int n, ref float best, ref int label)
    {
        int l = Label[n];
        float x = Xi[n];
        if (l < 0 || x <= best) return;
        best = x;
        label = l;
    }

    private int Smaller(int current, int n, float through)
    {
        int l = Label[n];
        if (l < 0 || !BodyLabels.IsCore(Xi[n], Damage[n], Material[n], through, CrackConduction)) return current;
        return current < 0 || l < current ? l : current;
    }
}

public static class BodyLabels
{
    /// <summary>
    /// Does a cell connect metal bodies? Metal (ξ above the threshold), or — with crack-face
    /// conduction — damaged LLZO (d &gt; ½): electrons run along the faces of an opened crack, so an
    /// emptied crack keeps the Li at both its ends one body (and one potential).
    /// </summary>
    public static bool IsCore(float xi, float damage, int material, float threshold, int crackConduction) =>
        xi > threshold || (crackConduction != 0 && material == Materials.Llzo && damage > 0.5f);
}

/// <summary>
/// Tip of a body along +z: among its cells with ξ > ½ whose upper neighbour has ξ ≤ ½, the largest
/// interpolated ξ = ½ crossing. Key = (z·4096) &lt;&lt; 28 | (i + Nx j), z in cells from the bottom face.
/// </summary>
public struct TipRule<TF, TI> : ICellMax where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi;
    public TI Label;
    public int Body;

    public long Key(int idx)
    {
        if (Label[idx] != Body) return long.MinValue;
        float xc = Xi[idx];
        if (xc <= 0.5f) return long.MinValue;
        Grid.Decompose(idx, out int i, out int j, out int k);
        if (k >= Grid.Nz - 1) return long.MinValue;
        float xu = Xi[idx + Grid.Plane];
        if (xu > 0.5f) return long.MinValue;
        float z = k + Grid.ZOffset + 0.5f + (xc - 0.5f) / (xc - xu);
        return ((long)(z * 4096f) << 28) | (long)(i + Grid.Nx * j);
    }
}

/// <summary>
/// Start of a full relabelling: collectors keep their electrode, every core cell gets a unique
/// provisional label (its global index + 2, above the electrodes'), all others −1. Propagation then
/// leaves each connected body with the smallest label it contains — the global index of its first
/// cell, the same on every rank — and the host compacts them to 2, 3, ….
/// </summary>
public struct ResetLabelsRule<TF, TI> : ICellRule where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi, Damage;
    public TI Label, Material;
    public float Threshold;
    public int CrackConduction;

    public void Apply(int idx)
    {
        int material = Material[idx];
        Label[idx] = material == Materials.CollectorNegative ? Bodies.Negative
            : material == Materials.CollectorPositive ? Bodies.Positive
            : BodyLabels.IsCore(Xi[idx], Damage[idx], material, Threshold, CrackConduction)
                ? idx + Grid.ZOffset * Grid.Plane + 2
                : Bodies.None;
    }
}

/// <summary>Σ ξ·(k + ½) over one body: with Σ ξ, its centre of mass along z (in cells).</summary>
public struct BodyMomentRule<TF, TI> : ICellSum where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi;
    public TI Label;
    public int Body;

    public double Value(int idx)
    {
        if (Label[idx] != Body) return 0.0;
        Grid.Decompose(idx, out _, out _, out int k);
        return (double)Xi[idx] * (k + Grid.ZOffset + 0.5);
    }
}

/// <summary>rhs = a on the cells of one body, 0 elsewhere: the source of that body's potential response.</summary>
public struct BodyShiftRule<TF, TI> : ICellRule where TF : struct, IView<float> where TI : struct, IView<int>
{
    public TF Shift, Rhs;
    public TI Label;
    public int Body;

    public void Apply(int idx) => Rhs[idx] = Label[idx] == Body ? Shift[idx] : 0f;
}

/// <summary>
/// Tip of a thin Li sheet along +z (thin_sheets), in cells from the bottom face. A body's covered
/// sheet cell (LiPhase.IsSheetCell, ξ ≥ ξ_s; LiPhase.SheetReactivityAt) reaches its top face,
/// z = k + 1; a sheet cell above a covered one (or above any cell with ξ ≥ ξ_s: the crack's mouth
/// on the electrode) is the edge's cell and reaches z = k + ξ/ξ_s, the share of it the edge has
/// crossed. The tip is the largest such z; Li left below ξ_s in cracks ahead of the sheet (not
/// supplied by a covered neighbour) is not the tip. Same key layout as TipRule.
/// </summary>
public struct SheetTipRule<TF, TI> : ICellMax where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi, Damage;
    public TI Label, Material;
    public int Body, NormalAxis;
    public float EdgeFill;

    public long Key(int idx)
    {
        if (Label[idx] != Body) return long.MinValue;
        Grid.Decompose(idx, out int i, out int j, out int k);
        if (!LiPhase.IsSheetSite(Grid, Damage, Material, idx, i, j, k, NormalAxis)) return long.MinValue;
        float xi = Xi[idx];
        float z;
        int kGlobal = k + Grid.ZOffset;
        if (xi >= EdgeFill) z = kGlobal + 1;
        else if (k > 0 && Xi[idx - Grid.Plane] >= EdgeFill) z = kGlobal + xi / EdgeFill;
        else return long.MinValue;
        return ((long)(z * 4096f) << 28) | (long)(i + Grid.Nx * j);
    }
}

/// <summary>
/// The sheet edge's advance rate from the charge equation at one cell (Target, the cell the edge
/// is crossing): ∂ξ/∂t / ξ_s [cells/s] while it fills (ξ &lt; ξ_s), 0 for a covered or uncracked
/// cell. (F/V_m) h · this is the current density through the edge (eq. 1's j_tip).
/// </summary>
public struct SheetTipAdvanceRule<TF, TI> : ICellSum where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi, Rate, Damage;
    public TI Material;
    public int Target, NormalAxis;
    public float EdgeFill;

    public double Value(int idx)
    {
        if (idx != Target || Xi[idx] >= EdgeFill) return 0.0;
        Grid.Decompose(idx, out int i, out int j, out int k);
        return LiPhase.IsSheetSite(Grid, Damage, Material, idx, i, j, k, NormalAxis) ? Rate[idx] / EdgeFill : 0.0;
    }
}
