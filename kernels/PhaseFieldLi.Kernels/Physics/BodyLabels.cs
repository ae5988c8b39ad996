using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Connected metal bodies by minimum-label propagation. A cell is metal (or its diffuse rim) when
/// ξ > threshold; collector cells carry their electrode's label for ever; a metal cell takes the
/// smallest label among itself and its metal neighbours; non-metal cells get −1. Labels only
/// decrease, so the in-place update converges to the same fixed point whatever the thread order.
/// Value() = 1 when the cell changed, so the sum counts the changes of one sweep.
/// </summary>
public struct PropagateLabelsRule<TF, TI> : ICellSum where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi;
    public TI Label, Material;
    public float Threshold;

    public double Value(int idx)
    {
        int material = Material[idx];
        int old = Label[idx];
        int next;
        if (material == Materials.CollectorNegative) next = Bodies.Negative;
        else if (material == Materials.CollectorPositive) next = Bodies.Positive;
        else if (Xi[idx] <= Threshold) next = Bodies.None;
        else
        {
            Grid.Decompose(idx, out int i, out int j, out int k);
            next = old;
            if (i > 0) next = Smaller(next, idx - 1);
            if (i < Grid.Nx - 1) next = Smaller(next, idx + 1);
            if (j > 0) next = Smaller(next, idx - Grid.Nx);
            if (j < Grid.Ny - 1) next = Smaller(next, idx + Grid.Nx);
            if (k > 0) next = Smaller(next, idx - Grid.Plane);
            if (k < Grid.Nz - 1) next = Smaller(next, idx + Grid.Plane);
        }
        if (next == old) return 0.0;
        Label[idx] = next;
        return 1.0;
    }

    private int Smaller(int current, int n)
    {
        int l = Label[n];
        if (l < 0 || Xi[n] <= Threshold) return current;
        return current < 0 || l < current ? l : current;
    }
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
        float z = k + 0.5f + (xc - 0.5f) / (xc - xu);
        return ((long)(z * 4096f) << 28) | (long)(i + Grid.Nx * j);
    }
}
