using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of the Helmholtz multigrid: residual, red–black Gauss–Seidel, transfers (kernels: Solvers/Multigrid.cs).</summary>
public interface IMultigridOperations
{
    /// <summary>r = b − A x; returns r·r, or NaN without <paramref name="norm"/> (no reduction, no sync: a V-cycle's residual).</summary>
    double Residual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x, Field<float> r,
        bool norm = true);
    void GaussSeidel(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x, int colour);
    void Restrict(GridShape fine, GridShape coarse, Field<float> fineField, Field<float> coarseField, float scale);
    void TransferWeights(GridShape coarse, OperatorSpec spec, Field<float> coarseSigma, TransferFields w);
    void ProlongAdd(GridShape fine, GridShape coarse, OperatorSpec spec, Field<float> correction, Field<float> x, TransferFields w);
    void InverseDiagonal(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> invDiag);
}

/// <summary>The three upper-face prolongation weights of one coarse multigrid level.</summary>
public sealed record TransferFields(Field<float> X, Field<float> Y, Field<float> Z);

public partial class Operations<TF, TI>
{
    public virtual double Residual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x,
        Field<float> r, bool norm = true)
    {
        Halo.FillGhosts(x); // neighbour reads: x
        var rule = new ResidualRule<TF> { Grid = g, Spec = spec, Sigma = F(sigma), Shift = F(shift), Rhs = F(rhs), X = F(x), R = F(r) };
        if (norm) return b.SumCells(rule, g);
        b.ForEachCell(new DiscardSum<ResidualRule<TF>> { Inner = rule }, g);
        return double.NaN;
    }

    public virtual void GaussSeidel(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x, int colour)
    {
        Halo.FillGhosts(x); // neighbour reads: x (a colour reads the other colour's cells)
        b.ForEachColourCell(new GaussSeidelRule<TF> { Grid = g, Spec = spec, Sigma = F(sigma), Shift = F(shift), Rhs = F(rhs), X = F(x), Colour = colour },
            g, colour);
    }

    public void Restrict(GridShape fine, GridShape coarse, Field<float> fineField, Field<float> coarseField, float scale) =>
        b.ForEachCell(new RestrictRule<TF> { Fine = fine, CoarseGrid = coarse, FineField = F(fineField), Coarse = F(coarseField), Scale = scale },
            coarse);

    public void TransferWeights(GridShape coarse, OperatorSpec spec, Field<float> coarseSigma, TransferFields w) =>
        b.ForEachCell(new TransferWeightsRule<TF>
        {
            CoarseGrid = coarse, Spec = spec, CoarseSigma = F(coarseSigma), Wx = F(w.X), Wy = F(w.Y), Wz = F(w.Z),
        }, coarse);

    public void ProlongAdd(GridShape fine, GridShape coarse, OperatorSpec spec, Field<float> correction, Field<float> x, TransferFields w) =>
        b.ForEachCell(new ProlongAddRule<TF>
        {
            Fine = fine, CoarseGrid = coarse, Spec = spec, Correction = F(correction), X = F(x),
            Wx = F(w.X), Wy = F(w.Y), Wz = F(w.Z),
        }, fine);

    public void InverseDiagonal(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> invDiag) =>
        b.ForEach(new InverseDiagonalRule<TF> { Grid = g, Spec = spec, Sigma = F(sigma), Shift = F(shift), InvDiag = F(invDiag) }, g.Count);
}
