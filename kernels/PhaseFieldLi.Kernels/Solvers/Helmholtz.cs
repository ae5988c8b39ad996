using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Kernels.Solvers;

/// <summary>
/// The SPD operator of every scalar elliptic solve, cell-centred, unit spacing:
///
///   (A x)_c = Σ_faces σ_f (x_c − x_n) + a_c x_c,   σ_f = harmonic mean of σ_c and σ_n,
///
/// i.e. A = −∇·(σ∇·) + a with zero-flux (Neumann) outer faces. Jacobi diagonal D_c = Σ σ_f + a_c.
/// </summary>
public static class Helmholtz
{
    public static float Apply<TF>(in GridShape g, in TF sigma, in TF shift, in TF x, int idx, out float diagonal)
        where TF : struct, IView<float>
    {
        g.Decompose(idx, out int i, out int j, out int k);
        float s = sigma[idx], xc = x[idx];
        float a = shift[idx];
        float acc = a * xc, diag = a;
        if (i > 0) Face(s, sigma, x, idx - 1, xc, ref acc, ref diag);
        if (i < g.Nx - 1) Face(s, sigma, x, idx + 1, xc, ref acc, ref diag);
        if (j > 0) Face(s, sigma, x, idx - g.Nx, xc, ref acc, ref diag);
        if (j < g.Ny - 1) Face(s, sigma, x, idx + g.Nx, xc, ref acc, ref diag);
        if (k > 0) Face(s, sigma, x, idx - g.Plane, xc, ref acc, ref diag);
        if (k < g.Nz - 1) Face(s, sigma, x, idx + g.Plane, xc, ref acc, ref diag);
        diagonal = diag;
        return acc;
    }

    private static void Face<TF>(float s, in TF sigma, in TF x, int n, float xc, ref float acc, ref float diag)
        where TF : struct, IView<float>
    {
        float f = Charge.FaceConductivity(s, sigma[n]);
        acc += f * (xc - x[n]);
        diag += f;
    }
}

/// <summary>q = A p; sum p·q.</summary>
public struct CgMatVecRule<TF> : ICellSum where TF : struct, IView<float>
{
    public GridShape Grid;
    public TF Sigma, Shift, P, Q;

    public double Value(int idx)
    {
        float q = Helmholtz.Apply(Grid, Sigma, Shift, P, idx, out _);
        Q[idx] = q;
        return (double)P[idx] * q;
    }
}

/// <summary>x += α p, r −= α q; sums (r·r, r·z) with the previous preconditioned residual z
/// (for the flexible Polak–Ribière β of CG with a multigrid preconditioner).</summary>
public struct CgStepRule<TF> : ICellSum2 where TF : struct, IView<float>
{
    public TF X, R, P, Q, Z;
    public float Alpha;

    public void Values(int idx, out double rr, out double rz)
    {
        X[idx] += Alpha * P[idx];
        float r = R[idx] - Alpha * Q[idx];
        R[idx] = r;
        rr = (double)r * r;
        rz = (double)r * Z[idx];
    }
}
