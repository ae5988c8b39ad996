using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of the Helmholtz operator −∇·(σ∇x) + a x in CG: mat-vec, CG update, the double residual of iterative refinement (kernels: Solvers/Helmholtz.cs).</summary>
public interface IHelmholtzOperations
{
    double MatVec(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q);
    /// <summary>q = A p, and p·q into register <paramref name="register"/> of s (no host wait on a device).</summary>
    void MatVecInto(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q, DeviceScalars s,
        int register);
    /// <summary>x += α p, r −= α q with α from s's coefficients; (r·r, r·z) into registers rr and rz of s.</summary>
    void CgStep(DeviceScalars s, Field<float> x, Field<float> r, Field<float> p, Field<float> q, Field<float> z, int rr, int rz);
    /// <summary>p ← z + β p with β from s's coefficients.</summary>
    void CgDirection(DeviceScalars s, Field<float> z, Field<float> p);
    /// <summary>r = b − A(x_hi + x_lo) with double arithmetic (iterative refinement); returns r·r.</summary>
    double PreciseResidual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> xHi,
        Field<float> xLo, Field<float> r);
    /// <summary>(x_hi, x_lo) ← x_hi + x_lo + e, renormalised.</summary>
    void AddCorrection(Field<float> xHi, Field<float> xLo, Field<float> e);
}

public partial class Operations<TF, TI>
{
    public virtual double MatVec(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q)
    {
        Halo.FillGhosts(p); // neighbour reads: p
        return b.SumCells(new CgMatVecRule<TF> { Grid = g, Spec = spec, Sigma = F(sigma), Shift = F(shift), P = F(p), Q = F(q) }, g);
    }

    public virtual void MatVecInto(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q,
        DeviceScalars s, int register)
    {
        Halo.FillGhosts(p); // neighbour reads: p
        b.SumCellsInto(new CgMatVecRule<TF> { Grid = g, Spec = spec, Sigma = F(sigma), Shift = F(shift), P = F(p), Q = F(q) }, g, s, register);
    }

    public void CgStep(DeviceScalars s, Field<float> x, Field<float> r, Field<float> p, Field<float> q, Field<float> z, int rr, int rz) =>
        b.Sum2Into(new CgStepRule<TF> { X = F(x), R = F(r), P = F(p), Q = F(q), Z = F(z), Coefficients = F(s.Coefficients) }, x.Length,
            s, rr, rz);

    public void CgDirection(DeviceScalars s, Field<float> z, Field<float> p) =>
        b.ForEach(new CgDirectionRule<TF> { Z = F(z), P = F(p), Coefficients = F(s.Coefficients) }, p.Length);

    public virtual double PreciseResidual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> xHi,
        Field<float> xLo, Field<float> r)
    {
        Halo.FillGhosts(xHi); // neighbour reads: x_hi and x_lo
        Halo.FillGhosts(xLo);
        return b.SumCells(new PreciseResidualRule<TF>
        {
            Grid = g, Spec = spec, Sigma = F(sigma), Shift = F(shift), Rhs = F(rhs), XHi = F(xHi), XLo = F(xLo), R = F(r),
        }, g);
    }

    public void AddCorrection(Field<float> xHi, Field<float> xLo, Field<float> e) =>
        b.ForEach(new AddCorrectionRule<TF> { XHi = F(xHi), XLo = F(xLo), E = F(e) }, xHi.Length);
}
