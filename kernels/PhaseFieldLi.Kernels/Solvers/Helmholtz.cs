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
        float xc = x[idx], a = shift[idx];
        var sum = new SingleSum<TF> { X = x, Centre = xc, Acc = a * xc, Diagonal = a };
        Walk(g, spec, sigma, idx, i, j, k, ref sum);
        diagonal = sum.Diagonal;
        return sum.Acc;
    }

    /// <summary>
    /// (A x)_c for x = x_hi + x_lo (a float pair that carries about 48 bits) with the products and
    /// the sum in double: the residual of iterative refinement. The operator is the same (the same
    /// float face conductances); only the arithmetic is exact enough that b − A x can fall below the
    /// float32 rounding floor of A x_hi (which grows like N², 2e-5 relative at 64³).
    /// </summary>
    public static double ApplyPrecise<TF>(in GridShape g, in OperatorSpec spec, in TF sigma, in TF shift, in TF xHi, in TF xLo,
        int idx, int i, int j, int k) where TF : struct, IView<float>
    {
        float hc = xHi[idx], lc = xLo[idx];
        var sum = new DoubleSum<TF> { Hi = xHi, Lo = xLo, CentreHi = hc, CentreLo = lc, Acc = (double)shift[idx] * ((double)hc + lc) };
        Walk(g, spec, sigma, idx, i, j, k, ref sum);
        return sum.Acc;
    }

    /// <summary>
    /// The faces of cell (i, j, k) in a fixed order (x−, x+, y−, y+, z−, z+): interior and periodic
    /// faces with their conductance A_axis σ_f toward neighbour n, Dirichlet faces with the half-cell
    /// conductance 2A_axis σ_c, zero-flux faces not at all.
    /// </summary>
    public static void Walk<TF, TV>(in GridShape g, in OperatorSpec spec, in TF sigma, int idx, int i, int j, int k, ref TV v)
        where TF : struct, IView<float> where TV : struct, IFaceVisitor
    {
        float s = sigma[idx];
        if (i > 0) Face(s, spec.Ax, sigma, idx - 1, ref v);
        else Boundary(spec.XLow, s, spec.Ax, sigma, idx + g.Nx - 1, ref v);
        if (i < g.Nx - 1) Face(s, spec.Ax, sigma, idx + 1, ref v);
        else Boundary(spec.XHigh, s, spec.Ax, sigma, idx - (g.Nx - 1), ref v);
        if (j > 0) Face(s, spec.Ay, sigma, idx - g.Nx, ref v);
        else Boundary(spec.YLow, s, spec.Ay, sigma, idx + g.Nx * (g.Ny - 1), ref v);
        if (j < g.Ny - 1) Face(s, spec.Ay, sigma, idx + g.Nx, ref v);
        else Boundary(spec.YHigh, s, spec.Ay, sigma, idx - g.Nx * (g.Ny - 1), ref v);
        if (k > 0) Face(s, spec.Az, sigma, idx - g.Plane, ref v);
        else Boundary(spec.ZLow, s, spec.Az, sigma, idx + g.Plane * (g.Nz - 1), ref v);
        if (k < g.Nz - 1) Face(s, spec.Az, sigma, idx + g.Plane, ref v);
        else Boundary(spec.ZHigh, s, spec.Az, sigma, idx - g.Plane * (g.Nz - 1), ref v);
    }

    private static void Face<TF, TV>(float s, float anisotropy, in TF sigma, int n, ref TV v)
        where TF : struct, IView<float> where TV : struct, IFaceVisitor
        => v.Face(n, anisotropy * Charge.FaceConductivity(s, sigma[n]));

    private static void Boundary<TF, TV>(int kind, float s, float anisotropy, in TF sigma, int opposite, ref TV v)
        where TF : struct, IView<float> where TV : struct, IFaceVisitor
    {
        if (kind == FaceKind.Periodic) Face(s, anisotropy, sigma, opposite, ref v);
        else if (kind == FaceKind.Dirichlet) v.Dirichlet(2f * anisotropy * s);
    }

    /// <summary>Σ f (x_c − x_n) + a x_c and the diagonal, in float (every solver pass).</summary>
    private struct SingleSum<TF> : IFaceVisitor where TF : struct, IView<float>
    {
        public TF X;
        public float Centre, Acc, Diagonal;

        public void Face(int n, float f)
        {
            Acc += f * (Centre - X[n]);
            Diagonal += f;
        }

        public void Dirichlet(float f)
        {
            Acc += f * Centre;
            Diagonal += f;
        }
    }

    /// <summary>The same sum for x_hi + x_lo, in double.</summary>
    private struct DoubleSum<TF> : IFaceVisitor where TF : struct, IView<float>
    {
        public TF Hi, Lo;
        public float CentreHi, CentreLo;
        public double Acc;

        public void Face(int n, float f) => Acc += f * (((double)CentreHi - Hi[n]) + ((double)CentreLo - Lo[n]));

        public void Dirichlet(float f) => Acc += f * ((double)CentreHi + CentreLo);
    }
}

/// <summary>What <see cref="Helmholtz.Walk{TF,TV}"/> does with each face of a cell.</summary>
public interface IFaceVisitor
{
    /// <summary>An interior or periodic face to neighbour n with conductance f.</summary>
    void Face(int n, float f);

    /// <summary>A Dirichlet outer face (x = 0 on the face) with conductance f.</summary>
    void Dirichlet(float f);
}

/// <summary>r = b − A(x_hi + x_lo) in double, stored as float; sum r·r (iterative refinement).</summary>
public struct PreciseResidualRule<TF> : IGridSum where TF : struct, IView<float>
{
    public GridShape Grid;
    public OperatorSpec Spec;
    public TF Sigma, Shift, Rhs, XHi, XLo, R;

    public double Value(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        return Value(idx, i, j, k);
    }

    public double Value(int idx, int i, int j, int k)
    {
        double r = Rhs[idx] - Helmholtz.ApplyPrecise(Grid, Spec, Sigma, Shift, XHi, XLo, idx, i, j, k);
        R[idx] = (float)r;
        return r * r;
    }
}

/// <summary>(x_hi, x_lo) ← x_hi + x_lo + e, renormalised so that x_hi is the float nearest the sum.</summary>
public struct AddCorrectionRule<TF> : ICellRule where TF : struct, IView<float>
{
    public TF XHi, XLo, E;

    public void Apply(int idx)
    {
        double t = (double)XHi[idx] + XLo[idx] + E[idx];
        float hi = (float)t;
        XHi[idx] = hi;
        XLo[idx] = (float)(t - hi);
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
/// (for the flexible Polak–Ribière β of CG with a multigrid preconditioner). α is read from the
/// solver's coefficients on the device (<see cref="CgScalars.Alpha"/>), so the host need not know it.</summary>
public struct CgStepRule<TF> : ICellSum2 where TF : struct, IView<float>
{
    public TF X, R, P, Q, Z, Coefficients;

    public void Values(int idx, out double rr, out double rz)
    {
        float alpha = Coefficients[CgScalars.Alpha];
        float r = R[idx];
        if (alpha != 0f) // α = 0 is a breakdown: x and r stay put, even where p is NaN (uniform across threads)
        {
            X[idx] += alpha * P[idx];
            r -= alpha * Q[idx];
            R[idx] = r;
        }
        rr = (double)r * r;
        rz = (double)r * Z[idx];
    }
}

/// <summary>p ← z + β p, β read from the solver's coefficients (<see cref="CgScalars.Beta"/>).</summary>
public struct CgDirectionRule<TF> : ICellRule where TF : struct, IView<float>
{
    public TF Z, P, Coefficients;

    public void Apply(int idx) => P[idx] = Z[idx] + Coefficients[CgScalars.Beta] * P[idx];
}

/// <summary>
/// Where CG keeps its scalars on the device: the coefficients α and β its rules read, and the double
/// registers its reductions write (r·z of this iteration and the next alternate between two registers).
/// </summary>
public static class CgScalars
{
    public const int Alpha = 0, Beta = 1, Coefficients = 2;
    public const int PQ = 0, RR = 1, RzOld = 2, Rz0 = 3, Rz1 = 4, Registers = 5;

    /// <summary>The register of r·z at iteration parity 0 or 1.</summary>
    public static int Rz(int parity) => Rz0 + parity;
}

/// <summary>
/// A coefficient from registers: c[Target] = (float)((reg[Numerator] − reg[Subtrahend]) / reg[Denominator])
/// (no subtrahend when it is −1), or 0 where the denominator is not positive or, with
/// <see cref="PositiveNumerator"/>, the numerator is not: CG's α = r·z/p·Ap stops moving x at a breakdown
/// (an operator not SPD on the subspace, or a NaN) instead of spreading it. The same double arithmetic
/// as the host's, so a coefficient computed on the device equals the host's to the bit.
/// </summary>
public struct ScalarQuotient
{
    public int Target, Numerator, Subtrahend, Denominator;
    /// <summary>1: the numerator must be positive too (α); 0: any sign (β). An int, as kernel parameters are blittable.</summary>
    public int PositiveNumerator;

    public readonly float Of(double numerator, double subtrahend, double denominator)
    {
        if (!(denominator > 0.0) || (PositiveNumerator != 0 && !(numerator > 0.0))) return 0f;
        return (float)((numerator - subtrahend) / denominator);
    }
}
