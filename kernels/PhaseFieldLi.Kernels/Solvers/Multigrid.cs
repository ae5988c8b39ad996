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
/// trilinear where σ is uniform); restriction of residuals is its transpose.
/// </summary>
public static class Coarsening
{
    /// <summary>Cells of the next coarser level along one axis.</summary>
    public static int Coarse(int n) => (n + 1) / 2;
}

/// <summary>
/// One red–black Gauss–Seidel half-sweep: cells with (i+j+k) % 2 == Colour. (On a periodic axis of
/// odd length two cells of one colour touch across the seam; the sweep is then not a pure
/// red–black one but still a convergent Gauss–Seidel variant.)
/// </summary>
public struct GaussSeidelRule<TF> : ICellRule where TF : struct, IView<float>
{
    public GridShape Grid;
    public OperatorSpec Spec;
    public TF Sigma, Shift, Rhs, X;
    public int Colour;

    public void Apply(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        if (((i + j + k) & 1) != Colour) return;
        float ax = Helmholtz.Apply(Grid, Spec, Sigma, Shift, X, idx, out float diag);
        // ax = diag·x_c − Σ σ_f x_n, so x_c ← (b + Σ σ_f x_n)/diag = x_c + (b − ax)/diag.
        X[idx] += (Rhs[idx] - ax) / diag;
    }
}

/// <summary>r = b − A x; sum r·r.</summary>
public struct ResidualRule<TF> : ICellSum where TF : struct, IView<float>
{
    public GridShape Grid;
    public OperatorSpec Spec;
    public TF Sigma, Shift, Rhs, X, R;

    public double Value(int idx)
    {
        float r = Rhs[idx] - Helmholtz.Apply(Grid, Spec, Sigma, Shift, X, idx, out _);
        R[idx] = r;
        return (double)r * r;
    }
}

/// <summary>
/// Coarse cell: mean of its fine children. With Scale = ¼ it builds σ_C (one more level of H²),
/// with 1 it restricts a residual or the shift a. Writes Coarse[idx] over the coarse grid.
/// </summary>
public struct RestrictRule<TF> : ICellRule where TF : struct, IView<float>
{
    public GridShape Fine, CoarseGrid;
    public TF FineField, Coarse;
    public float Scale;

    public void Apply(int idx)
    {
        CoarseGrid.Decompose(idx, out int ci, out int cj, out int ck);
        float sum = 0f;
        int count = 0;
        for (int dk = 0; dk < 2; dk++)
        {
            int k = 2 * ck + dk;
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

    public static float Weight<TF>(in TF sigma, int parent, int neighbour) where TF : struct, IView<float>
    {
        if (parent == neighbour) return 0f;
        float sp = sigma[parent], sn = sigma[neighbour];
        return sn / (2f * (sp + sn));
    }

    /// <summary>Weights of fine cell (i,j,k): parent (pi,pj,pk), neighbours (ni,nj,nk), neighbour weights w.</summary>
    public static void Weights<TF>(in GridShape coarse, in OperatorSpec spec, in TF sigma, int i, int j, int k,
        out int pi, out int pj, out int pk, out int ni, out int nj, out int nk, out float wx, out float wy, out float wz)
        where TF : struct, IView<float>
    {
        pi = i >> 1; pj = j >> 1; pk = k >> 1;
        ni = Neighbour(i, coarse.Nx, spec.PeriodicX);
        nj = Neighbour(j, coarse.Ny, spec.PeriodicY);
        nk = Neighbour(k, coarse.Nz, spec.PeriodicZ);
        int p = coarse.Index(pi, pj, pk);
        wx = Weight(sigma, p, coarse.Index(ni, pj, pk));
        wy = Weight(sigma, p, coarse.Index(pi, nj, pk));
        wz = Weight(sigma, p, coarse.Index(pi, pj, nk));
    }

    /// <summary>1-D share of coarse index c in a fine cell with parent p, neighbour n, neighbour weight w.</summary>
    public static float Share(int c, int p, int n, float w) => (c == p ? 1f - w : 0f) + (c == n && n != p ? w : 0f);
}

/// <summary>
/// Residual restriction, the exact transpose of <see cref="ProlongAddRule{TF}"/> scaled by ⅛:
/// b_C = ⅛ Σ_f w(f→C) r_f over the 4×4×4 fine cells around C. With symmetric smoothing the V-cycle
/// is then a symmetric preconditioner, as CG wants.
/// </summary>
public struct RestrictResidualRule<TF> : ICellRule where TF : struct, IView<float>
{
    public GridShape Fine, CoarseGrid;
    public OperatorSpec Spec;
    public TF Residual, Coarse, CoarseSigma;

    public void Apply(int idx)
    {
        CoarseGrid.Decompose(idx, out int ci, out int cj, out int ck);
        float sum = 0f;
        for (int kk = 2 * ck - 1; kk <= 2 * ck + 2; kk++)
        {
            int k = Transfer.Wrap(kk, Fine.Nz, Spec.PeriodicZ);
            if (k < 0) continue;
            for (int jj = 2 * cj - 1; jj <= 2 * cj + 2; jj++)
            {
                int j = Transfer.Wrap(jj, Fine.Ny, Spec.PeriodicY);
                if (j < 0) continue;
                for (int ii = 2 * ci - 1; ii <= 2 * ci + 2; ii++)
                {
                    int i = Transfer.Wrap(ii, Fine.Nx, Spec.PeriodicX);
                    if (i < 0) continue;
                    Transfer.Weights(CoarseGrid, Spec, CoarseSigma, i, j, k, out int pi, out int pj, out int pk,
                        out int ni, out int nj, out int nk, out float wx, out float wy, out float wz);
                    float w = Transfer.Share(ci, pi, ni, wx) * Transfer.Share(cj, pj, nj, wy) * Transfer.Share(ck, pk, nk, wz);
                    if (w != 0f) sum += w * Residual[Fine.Index(i, j, k)];
                }
            }
        }
        Coarse[idx] = 0.125f * sum;
    }
}

/// <summary>x_fine += operator-dependent interpolation of the coarse correction (over the fine grid).</summary>
public struct ProlongAddRule<TF> : ICellRule where TF : struct, IView<float>
{
    public GridShape Fine, CoarseGrid;
    public OperatorSpec Spec;
    public TF Correction, X, CoarseSigma;

    public void Apply(int idx)
    {
        Fine.Decompose(idx, out int i, out int j, out int k);
        Transfer.Weights(CoarseGrid, Spec, CoarseSigma, i, j, k, out int pi, out int pj, out int pk,
            out int ni, out int nj, out int nk, out float wx, out float wy, out float wz);
        float v = 0f;
        for (int c = 0; c < 8; c++)
        {
            bool bx = (c & 1) != 0, by = (c & 2) != 0, bz = (c & 4) != 0;
            float w = (bx ? wx : 1f - wx) * (by ? wy : 1f - wy) * (bz ? wz : 1f - wz);
            if (w == 0f) continue;
            v += w * Correction[CoarseGrid.Index(bx ? ni : pi, by ? nj : pj, bz ? nk : pk)];
        }
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
