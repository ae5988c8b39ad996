using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Kernels.Solvers;

/// <summary>What an outer face of the box imposes on the unknown.</summary>
public static class FaceKind
{
    /// <summary>No flux through the face (the default).</summary>
    public const int ZeroFlux = 0;
    /// <summary>x = 0 on the face (inhomogeneous values belong in the right-hand side): ghost = −x_c.</summary>
    public const int Dirichlet = 1;
    /// <summary>The face is glued to the opposite one (set both faces of the axis).</summary>
    public const int Periodic = 2;
}

/// <summary>
/// Boundary kinds of the six faces and a diagonal anisotropy of the conductivity, σ_f → A_axis σ_f
/// (the cleavage-plane tensor A = I + β(I − M⊗M) for M along an axis is diagonal). Default: all
/// faces zero-flux, isotropic.
/// </summary>
public readonly record struct OperatorSpec(int XLow, int XHigh, int YLow, int YHigh, int ZLow, int ZHigh,
    float Ax, float Ay, float Az)
{
    public static OperatorSpec Default => new(0, 0, 0, 0, 0, 0, 1f, 1f, 1f);

    public bool PeriodicX => XLow == FaceKind.Periodic;
    public bool PeriodicY => YLow == FaceKind.Periodic;
    public bool PeriodicZ => ZLow == FaceKind.Periodic;
}

/// <summary>
/// The SPD operator of every scalar elliptic solve, cell-centred, unit spacing:
///
///   (A x)_c = Σ_faces A_axis σ_f (x_c − x_n) + a_c x_c,   σ_f = harmonic mean of σ_c and σ_n,
///
/// i.e. A = −∇·(Aσ∇·) + a. At an outer face: zero flux (no term), Dirichlet x = 0 on the face
/// (a half-cell flux 2A σ_c x_c), or periodic (the opposite cell is the neighbour).
/// Jacobi diagonal D_c = Σ (face conductances) + a_c.
/// </summary>
public static class Helmholtz
{
    public static float Apply<TF>(in GridShape g, in OperatorSpec spec, in TF sigma, in TF shift, in TF x, int idx,
        out float diagonal) where TF : struct, IView<float>
    {
        g.Decompose(idx, out int i, out int j, out int k);
        return Apply(g, spec, sigma, shift, x, idx, i, j, k, out diagonal);
    }

    /// <summary>The same at a cell whose (i, j, k) the caller knows.</summary>
    public static float Apply<TF>(in GridShape g, in OperatorSpec spec, in TF sigma, in TF shift, in TF x, int idx,
        int i, int j, int k, out float diagonal) where TF : struct, IView<float>
    {
        float s = sigma[idx], xc = x[idx];
        float a = shift[idx];
        float acc = a * xc, diag = a;
        if (i > 0) Face(s, spec.Ax, sigma, x, idx - 1, xc, ref acc, ref diag);
        else Boundary(spec.XLow, s, spec.Ax, sigma, x, idx + g.Nx - 1, xc, ref acc, ref diag);
        if (i < g.Nx - 1) Face(s, spec.Ax, sigma, x, idx + 1, xc, ref acc, ref diag);
        else Boundary(spec.XHigh, s, spec.Ax, sigma, x, idx - (g.Nx - 1), xc, ref acc, ref diag);
        if (j > 0) Face(s, spec.Ay, sigma, x, idx - g.Nx, xc, ref acc, ref diag);
        else Boundary(spec.YLow, s, spec.Ay, sigma, x, idx + g.Nx * (g.Ny - 1), xc, ref acc, ref diag);
        if (j < g.Ny - 1) Face(s, spec.Ay, sigma, x, idx + g.Nx, xc, ref acc, ref diag);
        else Boundary(spec.YHigh, s, spec.Ay, sigma, x, idx - g.Nx * (g.Ny - 1), xc, ref acc, ref diag);
        if (k > 0) Face(s, spec.Az, sigma, x, idx - g.Plane, xc, ref acc, ref diag);
        else Boundary(spec.ZLow, s, spec.Az, sigma, x, idx + g.Plane * (g.Nz - 1), xc, ref acc, ref diag);
        if (k < g.Nz - 1) Face(s, spec.Az, sigma, x, idx + g.Plane, xc, ref acc, ref diag);
        else Boundary(spec.ZHigh, s, spec.Az, sigma, x, idx - g.Plane * (g.Nz - 1), xc, ref acc, ref diag);
        diagonal = diag;
        return acc;
    }

    private static void Face<TF>(float s, float anisotropy, in TF sigma, in TF x, int n, float xc, ref float acc, ref float diag)
        where TF : struct, IView<float>
    {
        float f = anisotropy * Charge.FaceConductivity(s, sigma[n]);
        acc += f * (xc - x[n]);
        diag += f;
    }

    private static void Boundary<TF>(int kind, float s, float anisotropy, in TF sigma, in TF x, int opposite, float xc,
        ref float acc, ref float diag) where TF : struct, IView<float>
    {
        if (kind == FaceKind.Periodic)
        {
            Face(s, anisotropy, sigma, x, opposite, xc, ref acc, ref diag);
        }
        else if (kind == FaceKind.Dirichlet)
        {
            float f = 2f * anisotropy * s;
            acc += f * xc;
            diag += f;
        }
    }
}

/// <summary>q = A p; sum p·q.</summary>
public struct CgMatVecRule<TF> : IGridSum where TF : struct, IView<float>
{
    public GridShape Grid;
    public OperatorSpec Spec;
    public TF Sigma, Shift, P, Q;

    public double Value(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        return Value(idx, i, j, k);
    }

    public double Value(int idx, int i, int j, int k)
    {
        float q = Helmholtz.Apply(Grid, Spec, Sigma, Shift, P, idx, i, j, k, out _);
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
