using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Kernels.Solvers;

/// <summary>
/// Cell-centred geometric multigrid for A x = −∇·(σ∇x) + a x = b (Helmholtz.cs), zero-flux faces.
///
/// Coarsening: coarse cell (I,J,K) covers fine cells 2I..2I+1 in each direction (one child where an
/// odd fine dimension ends), so any grid size works. Finite volumes on a cell of size H give
/// Σ_f σ_f (x_c − x_n)/H² + a x_c = b; with H = 2^l h the coarse operator is the fine stencil with
/// σ_C = mean(σ_children)/4^l and a_C = mean(a_children), and b_C = mean(r_children), so every level
/// reuses <see cref="Helmholtz.Apply"/>. Smoother: red–black Gauss–Seidel (in place: a colour reads
/// only the other colour). Prolongation: cell-centred, operator-dependent (<see cref="Transfer"/>;
/// trilinear where σ is uniform). Restriction of residuals: the mean of the 8 children
/// (<see cref="RestrictRule{TF}"/>, the adjoint of piecewise-constant prolongation). The exact
/// transpose of the prolongation (a 4×4×4 gather) made the V-cycle symmetric but cost as much as the
/// smoothing; with the mean the cycle is not symmetric, which the flexible CG accepts, and the
/// measured reduction per V-cycle did not get worse (docs: bench/README.md).
/// </summary>
public static class Coarsening
{
    /// <summary>Cells of the next coarser level along one axis.</summary>
    public static int Coarse(int n) => (n + 1) / 2;
}

/// <summary>
/// One red–black Gauss–Seidel half-sweep: cells with (i+j+k) % 2 == Colour (k global on a slab). (On a periodic axis of
/// odd length two cells of one colour touch across the seam; the sweep is then not a pure
/// red–black one but still a convergent Gauss–Seidel variant.)
/// </summary>
public struct GaussSeidelRule<TF> : IGridRule where TF : struct, IView<float>
{
    public GridShape Grid;
    public OperatorSpec Spec;
    public TF Sigma, Shift, Rhs, X;
    public int Colour;

    public void Apply(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        if (((i + j + k + Grid.ZOffset) & 1) != Colour) return; // global parity: the same colours on every slab
        float ax = Helmholtz.Apply(Grid, Spec, Sigma, Shift, X, idx, i, j, k, out float diag);
        // ax = diag·x_c − Σ σ_f x_n, so x_c ← (b + Σ σ_f x_n)/diag = x_c + (b − ax)/diag.
        X[idx] += (Rhs[idx] - ax) / diag;
    }
}

/// <summary>r = b − A x; sum r·r.</summary>
public struct ResidualRule<TF> : IGridSum where TF : struct, IView<float>
{
    public GridShape Grid;
    public OperatorSpec Spec;
    public TF Sigma, Shift, Rhs, X, R;

    public double Value(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        return Value(idx, i, j, k);
    }

    public double Value(int idx, int i, int j, int k)
    {
        float r = Rhs[idx] - Helmholtz.Apply(Grid, Spec, Sigma, Shift, X, idx, i, j, k, out _);
        R[idx] = r;
        return (double)r * r;
    }
}

/// <summary>
/// Coarse cell: mean of its fine children. With Scale = ¼ it builds σ_C (one more level of H²),
/// with 1 it restricts a residual or the shift a. Writes Coarse[idx] over the coarse grid.
/// </summary>
public struct RestrictRule<TF> : IGridRule where TF : struct, IView<float>
{
    public GridShape Fine, CoarseGrid;
    public TF FineField, Coarse;
    public float Scale;

    public void Apply(int idx)
    {
        CoarseGrid.Decompose(idx, out int ci, out int cj, out int ck);
        Apply(idx, ci, cj, ck);
    }

    public void Apply(int idx, int ci, int cj, int ck)
    {
        float sum = 0f;
        int count = 0;
        for (int dk = 0; dk < 2; dk++)
        {
            int k = 2 * (ck + CoarseGrid.ZOffset) + dk - Fine.ZOffset; // a child's local plane (slabs: global offsets differ)
            if (k >= Fine.Nz) continue;
            for (int dj = 0; dj < 2; dj++)
            {
                int j = 2 * cj + dj;
                if (j >= Fine.Ny) continue;
                for (int di = 0; di < 2; di++)
                {
                    int i = 2 * ci + di;
                    if (i >= Fine.Nx) continue;
                    sum += FineField[Fine.Index(i, j, k)];
                    count++;
                }
            }
        }
        Coarse[idx] = Scale * sum / count;
    }
}

/// <summary>
/// Operator-dependent prolongation weights (1-D, per direction). Fine cell f lies in coarse parent P,
/// a quarter of P's width from the face it shares with the neighbour N. Flux continuity across
/// that face (σ_P (u_face − e_P) = σ_N (e_N − u_face)) and linear interpolation between P's centre
/// and the face give u_f = (1 − w) e_P + w e_N with w = σ_N / (2(σ_P + σ_N)): ¼ for equal σ (the
/// trilinear weight), → 0 when P conducts far better (it is flat), → ½ when N does. Coefficient
/// jumps of 10⁴ then no longer smear a flat correction into its poorly conducting neighbour.
/// At an outer face N is clamped to P (zero flux) and the weight sums to 1 on P.
///
/// The weights depend only on the coarse σ, so they are computed once per operator
/// (<see cref="TransferWeightsRule{TF}"/>): W_axis[C] = σ_{C+e}/(2(σ_C + σ_{C+e})) for the face
/// between C and its upper neighbour (0 where there is none). The weight towards the lower
/// neighbour follows from the same face: σ_{C−e}/(2(σ_C + σ_{C−e})) = ½ − W_axis[C − e].
/// </summary>
public static class Transfer
{
    /// <summary>The coarse neighbour on fine cell f's side: clamped at a face, wrapped on a periodic axis.</summary>
    public static int Neighbour(int f, int n, bool periodic)
    {
        int p = f >> 1;
        int q = p + ((f & 1) == 0 ? -1 : 1);
        if (periodic) return q < 0 ? n - 1 : (q >= n ? 0 : q);
        return q < 0 ? 0 : (q >= n ? n - 1 : q);
    }

    /// <summary>A fine index one block outside the grid: wrapped on a periodic axis, −1 (skip) otherwise.</summary>
    public static int Wrap(int f, int n, bool periodic) =>
        f >= 0 && f < n ? f : (periodic ? (f < 0 ? f + n : f - n) : -1);

    /// <summary>σ_N / (2(σ_P + σ_N)); 0 where N is P (a clamped outer face).</summary>
    public static float Weight(float sp, float sn, bool distinct) => distinct ? sn / (2f * (sp + sn)) : 0f;

    /// <summary>1-D weight of fine cell f (parent p = f/2, neighbour n) from the upper-face weights W along the axis.</summary>
    private static float AxisWeight<TF>(in TF w, int f, int p, int n, int parentIndex, int stride, int count)
        where TF : struct, IView<float>
    {
        if (n == p) return 0f;
        if ((f & 1) != 0) return w[parentIndex]; // neighbour above: the parent's own upper face
        int below = p == 0 ? parentIndex + stride * (count - 1) : parentIndex - stride; // wraps only on a periodic axis
        return 0.5f - w[below];
    }

    /// <summary>Weights of fine cell (i,j,k): parent (pi,pj,pk), neighbours (ni,nj,nk), neighbour weights w.</summary>
    /// On a slab (fineZOffset, coarse.ZOffset ≠ 0) z runs in global planes for the parity and the
    /// parent, and in local planes for the neighbour, which a slab holds as a ghost plane (a slab
    /// is never periodic in z).
    public static void Weights<TF>(in GridShape coarse, in OperatorSpec spec, in TF wx, in TF wy, in TF wz, int i, int j, int k,
        int fineZOffset, out int pi, out int pj, out int pk, out int ni, out int nj, out int nk, out float sx, out float sy, out float sz)
        where TF : struct, IView<float>
    {
        int kg = k + fineZOffset;
        pi = i >> 1; pj = j >> 1; pk = (kg >> 1) - coarse.ZOffset;
        ni = Neighbour(i, coarse.Nx, spec.PeriodicX);
        nj = Neighbour(j, coarse.Ny, spec.PeriodicY);
        nk = Neighbour(kg, coarse.Nz + coarse.ZOffset, spec.PeriodicZ) - coarse.ZOffset;
        if (nk < 0) nk = 0; // a slab's wall side: the clamp of Neighbour in local planes
        int p = coarse.Index(pi, pj, pk);
        sx = AxisWeight(wx, i, pi, ni, p, 1, coarse.Nx);
        sy = AxisWeight(wy, j, pj, nj, p, coarse.Nx, coarse.Ny);
        sz = AxisWeight(wz, kg, pk, nk, p, coarse.Plane, coarse.Nz);
    }
}

/// <summary>The upper-face prolongation weights W_x, W_y, W_z of every coarse cell (see <see cref="Transfer"/>).</summary>
public struct TransferWeightsRule<TF> : IGridRule where TF : struct, IView<float>
{
    public GridShape CoarseGrid;
    public OperatorSpec Spec;
    public TF CoarseSigma, Wx, Wy, Wz;

    public void Apply(int idx)
    {
        CoarseGrid.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        var g = CoarseGrid;
        float s = CoarseSigma[idx];
        int ix = i + 1 < g.Nx ? idx + 1 : (Spec.PeriodicX ? idx - (g.Nx - 1) : idx);
        int iy = j + 1 < g.Ny ? idx + g.Nx : (Spec.PeriodicY ? idx - g.Nx * (g.Ny - 1) : idx);
        int iz = k + 1 < g.Nz ? idx + g.Plane : (Spec.PeriodicZ ? idx - g.Plane * (g.Nz - 1) : idx);
        Wx[idx] = Transfer.Weight(s, CoarseSigma[ix], ix != idx);
        Wy[idx] = Transfer.Weight(s, CoarseSigma[iy], iy != idx);
        Wz[idx] = Transfer.Weight(s, CoarseSigma[iz], iz != idx);
    }
}

/// <summary>x_fine += operator-dependent interpolation of the coarse correction (over the fine grid).</summary>
public struct ProlongAddRule<TF> : IGridRule where TF : struct, IView<float>
{
    public GridShape Fine, CoarseGrid;
    public OperatorSpec Spec;
    public TF Correction, X, Wx, Wy, Wz;

    public void Apply(int idx)
    {
        Fine.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        var c = CoarseGrid;
        Transfer.Weights(c, Spec, Wx, Wy, Wz, i, j, k, Fine.ZOffset, out int pi, out int pj, out int pk,
            out int ni, out int nj, out int nk, out float wx, out float wy, out float wz);
        // Trilinear blend of the parent p and its neighbours; a clamped neighbour has weight 0.
        int p = c.Index(pi, pj, pk);
        int ox = ni - pi, oy = (nj - pj) * c.Nx, oz = (nk - pk) * c.Plane;
        float ux = 1f - wx, uy = 1f - wy;
        float low = uy * (ux * Correction[p] + wx * Correction[p + ox])
                  + wy * (ux * Correction[p + oy] + wx * Correction[p + ox + oy]);
        float high = uy * (ux * Correction[p + oz] + wx * Correction[p + ox + oz])
                   + wy * (ux * Correction[p + oy + oz] + wx * Correction[p + ox + oy + oz]);
        float v = (1f - wz) * low + wz * high;
        X[idx] += v;
    }
}

/// <summary>D⁻¹ = 1/(Σ σ_f + a) of the Helmholtz operator.</summary>
public struct InverseDiagonalRule<TF> : ICellRule where TF : struct, IView<float>
{
    public GridShape Grid;
    public OperatorSpec Spec;
    public TF Sigma, Shift, InvDiag;

    public void Apply(int idx)
    {
        Helmholtz.Apply(Grid, Spec, Sigma, Shift, Shift, idx, out float diag);
        InvDiag[idx] = 1f / diag;
    }
}
