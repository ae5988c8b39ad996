using PhaseFieldLi.Backends;
using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using PhaseFieldLi.Kernels.Operators;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Kernels.Solvers;

namespace PhaseFieldLi.Models;

/// <summary>
/// The model's per-cell operations, independent of the backend. Each one builds a rule struct of
/// PhaseFieldLi.Kernels over the backend's accessors and launches it; this is the only place where
/// fields are bound to rules, so every backend runs exactly the same per-cell code.
/// </summary>
public interface IOperations
{
    void LiPhaseRate(State s, GridShape g, in LiPhaseParameters p);
    void AdvanceLiPhase(State s, float dt, float filmFloor);
    float MaxAbs(Field<float> f);
    void AssembleCharge(State s, GridShape g, in LiPhaseParameters li, in ChargeParameters p, int galvanostaticBody);
    (double First, double Second) GalvanostatSums(State s, int body, float invQ, bool ownResponse = true);
    int PropagateLabels(State s, GridShape g, float threshold, float rimThreshold, bool crackConduction = false, bool sheetEdges = false);
    void ResetLabels(State s, GridShape g, float threshold, bool crackConduction = false);
    double BodyMoment(State s, GridShape g, int body);
    void BodyShift(State s, int body, Field<float> rhs);
    double BodySum(Field<float> f, Field<int> label, int body);
    double ColumnSum(Field<float> f, Field<int> label, int body, GridShape g, int i, int j);
    long Tip(State s, GridShape g, int body);
    long SheetTip(State s, GridShape g, int body, float edgeFill, int normalAxis);
    double SheetTipAdvance(State s, GridShape g, int target, float edgeFill, int normalAxis);
    void Axpy(float a, Field<float> x, Field<float> y);
    double Dot(Field<float> x, Field<float> y);

    double MatVec(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q);
    (double Rr, double RzOld) CgStep(float alpha, Field<float> x, Field<float> r, Field<float> p, Field<float> q, Field<float> z);
    /// <summary>r = b − A x; returns r·r, or NaN without <paramref name="norm"/> (no reduction, no sync: a V-cycle's residual).</summary>
    double Residual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x, Field<float> r,
        bool norm = true);

    /// <summary>r = b − A(x_hi + x_lo) with double arithmetic (iterative refinement); returns r·r.</summary>
    double PreciseResidual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> xHi,
        Field<float> xLo, Field<float> r);

    /// <summary>(x_hi, x_lo) ← x_hi + x_lo + e, renormalised.</summary>
    void AddCorrection(Field<float> xHi, Field<float> xLo, Field<float> e);
    void GaussSeidel(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x, int colour);
    void Restrict(GridShape fine, GridShape coarse, Field<float> fineField, Field<float> coarseField, float scale);
    void TransferWeights(GridShape coarse, OperatorSpec spec, Field<float> coarseSigma, TransferFields w);
    void ProlongAdd(GridShape fine, GridShape coarse, OperatorSpec spec, Field<float> correction, Field<float> x, TransferFields w);
    void InverseDiagonal(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> invDiag);
    void Axpby(float a, Field<float> x, float b, Field<float> y);

    // Mechanics (Physics/Mechanics.cs): element passes run once per colour 0…7.
    void ElasticForce(in ElasticSystem m, Field<float> u, Field<float> f, bool mask);
    void ElasticDiagonal(in ElasticSystem m, Field<float> diagonal);
    void ElasticLoad(in ElasticSystem m, Field<float> f);
    void ElasticConstraint(in ElasticSystem m, Field<float> source, Field<float> target, bool copy);
    double ElasticState(in ElasticSystem m, Field<float> u, Field<float> history, Field<float> vonMises, Field<float> pressure,
        Field<float> energy);
    (double Lines, float Extent) CrackLines(GridShape g, Field<float> damage, Field<int> material, int axis);
    float MaxLiPressure(Field<float> xi, Field<float> pressure, Field<int> material);
    long LeafExtent(GridShape g, Field<float> xi, Field<float> damage, Field<int> material, Field<int> label, int axis, int crack,
        int measure, int sheets = 0);
    void DamageAssembly(Field<float> history, Field<float> shift, Field<float> rhs, float reaction, float drive);
    float DamageIrreversibility(Field<float> solved, Field<float> floor, Field<float> damage, float relaxation = 1f);
    void Multiply(Field<float> d, Field<float> x, Field<float> y);
    void Fill(Field<float> f, float value);
    void Reciprocal(Field<float> x);
    void Copy(Field<float> x, Field<float> y);

    // Elasticity multigrid (ElasticTransfer.cs).
    void ElasticStiffnessFactor(in ElasticSystem m, Field<float> factor);
    void CoarsenCells(GridShape fine, GridShape coarse, Field<float> fineField, Field<float> coarseField);
    void EffectiveDamage(Field<float> factor, Field<float> damage, float residualStiffness);
    void NodalRestrict(GridShape fineNodes, GridShape coarseNodes, Field<float> fine, Field<float> coarse);
    void NodalProlongAdd(GridShape coarseNodes, GridShape fineNodes, Field<float> coarse, Field<float> fine);
}

/// <summary>What every elastic element pass reads: grids, loads, parameters and the cell fields ξ, d, material.</summary>
public readonly record struct ElasticSystem(GridShape Cells, GridShape Nodes, ElasticBoundary Boundary, MechanicsParameters P,
    Field<float> Xi, Field<float> Damage, Field<int> Material, Field<float> InitialXi);

/// <summary>The three upper-face prolongation weights of one coarse multigrid level.</summary>
public sealed record TransferFields(Field<float> X, Field<float> Y, Field<float> Z);

public static class Operations
{
    public static IOperations For(Backend backend) => backend switch
    {
        Distributed.ISlabBackend slab => slab.CreateOperations(),
        HostBackend h => new HostOperations(h),
        IlgpuBackend d => new Operations<DeviceView<float>, DeviceView<int>>(d),
        _ => throw new ArgumentException($"unknown backend type {backend.GetType().Name}"),
    };
}

public class Operations<TF, TI>(Backend<TF, TI> b) : IOperations
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    private TF F(Field<float> f) => b.View(f);
    private TI I(Field<int> f) => b.View(f);

    public virtual void LiPhaseRate(State s, GridShape g, in LiPhaseParameters p) =>
        b.ForEachCell(new LiPhaseRateRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Phi = F(s.Phi), Damage = F(s.Damage), BodyPotential = F(s.BodyPotential),
            Rate = F(s.Rate), Pressure = F(s.Pressure), Label = I(s.Label), Material = I(s.Material), P = p,
        }, g);

    public void AdvanceLiPhase(State s, float dt, float filmFloor) =>
        b.ForEach(new AdvanceLiPhaseRule<TF, TI> { Xi = F(s.Xi), Rate = F(s.Rate), History = F(s.LiHistory), Material = I(s.Material), Dt = dt, FilmFloor = filmFloor },
            s.Xi.Length);

    public float MaxAbs(Field<float> f) =>
        BitConverter.Int32BitsToSingle((int)b.Max(new MaxAbsRule<TF> { Field = F(f) }, f.Length));

    public virtual void AssembleCharge(State s, GridShape g, in LiPhaseParameters li, in ChargeParameters p, int galvanostaticBody) =>
        b.ForEachCell(new ChargeAssemblyRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Phi = F(s.Phi), Damage = F(s.Damage), BodyPotential = F(s.BodyPotential),
            Pressure = F(s.Pressure), Sigma = F(s.Sigma), Shift = F(s.Shift), RhsA = F(s.RhsA), RhsB = F(s.RhsB),
            Label = I(s.Label), Material = I(s.Material), Li = li, P = p, GalvanostaticBody = galvanostaticBody,
        }, g);

    public (double First, double Second) GalvanostatSums(State s, int body, float invQ, bool ownResponse = true) =>
        b.Sum2(new GalvanostatSumsRule<TF, TI>
        {
            Shift = F(s.Shift), RhsA = F(s.RhsA), PhiA = F(s.Phi), PhiB = F(s.PhiB), Label = I(s.Label),
            Body = body, InvQ = invQ, Chi = ownResponse ? 1f : 0f,
        }, s.Xi.Length);

    public virtual int PropagateLabels(State s, GridShape g, float threshold, float rimThreshold, bool crackConduction = false, bool sheetEdges = false) =>
        (int)b.Sum(new PropagateLabelsRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Damage = F(s.Damage), Label = I(s.Label), Material = I(s.Material), Threshold = threshold,
            RimThreshold = rimThreshold, CrackConduction = crackConduction ? 1 : 0, SheetEdges = sheetEdges ? 1 : 0,
        }, g.Count);

    public void ResetLabels(State s, GridShape g, float threshold, bool crackConduction = false) =>
        b.ForEach(new ResetLabelsRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Damage = F(s.Damage), Label = I(s.Label), Material = I(s.Material), Threshold = threshold,
            CrackConduction = crackConduction ? 1 : 0,
        }, s.Xi.Length);

    public double BodyMoment(State s, GridShape g, int body) =>
        b.Sum(new BodyMomentRule<TF, TI> { Grid = g, Xi = F(s.Xi), Label = I(s.Label), Body = body }, g.Count);

    public void BodyShift(State s, int body, Field<float> rhs) =>
        b.ForEach(new BodyShiftRule<TF, TI> { Shift = F(s.Shift), Rhs = F(rhs), Label = I(s.Label), Body = body }, s.Xi.Length);

    public double BodySum(Field<float> f, Field<int> label, int body) =>
        b.Sum(new BodySumRule<TF, TI> { Field = F(f), Label = I(label), Body = body }, f.Length);

    public double ColumnSum(Field<float> f, Field<int> label, int body, GridShape g, int i, int j) =>
        b.Sum(new ColumnSumRule<TF, TI> { Grid = g, Field = F(f), Label = I(label), Body = body, I = i, J = j }, g.Count);

    public virtual long Tip(State s, GridShape g, int body) =>
        b.Max(new TipRule<TF, TI> { Grid = g, Xi = F(s.Xi), Label = I(s.Label), Body = body }, g.Count);

    public virtual long SheetTip(State s, GridShape g, int body, float edgeFill, int normalAxis) =>
        b.Max(new SheetTipRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Damage = F(s.Damage), Label = I(s.Label), Material = I(s.Material), Body = body,
            EdgeFill = edgeFill, NormalAxis = normalAxis,
        }, g.Count);

    public double SheetTipAdvance(State s, GridShape g, int target, float edgeFill, int normalAxis) =>
        b.Sum(new SheetTipAdvanceRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Rate = F(s.Rate), Damage = F(s.Damage), Material = I(s.Material), Target = target,
            EdgeFill = edgeFill, NormalAxis = normalAxis,
        }, s.Xi.Length);

    public void Axpy(float a, Field<float> x, Field<float> y) =>
        b.ForEach(new AxpyRule<TF> { X = F(x), Y = F(y), A = a }, x.Length);

    public double Dot(Field<float> x, Field<float> y) => b.Sum(new DotRule<TF> { X = F(x), Y = F(y) }, x.Length);

    public virtual double MatVec(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> p, Field<float> q) =>
        b.SumCells(new CgMatVecRule<TF> { Grid = g, Spec = spec, Sigma = F(sigma), Shift = F(shift), P = F(p), Q = F(q) }, g);

    public (double Rr, double RzOld) CgStep(float alpha, Field<float> x, Field<float> r, Field<float> p, Field<float> q,
        Field<float> z) =>
        b.Sum2(new CgStepRule<TF> { X = F(x), R = F(r), P = F(p), Q = F(q), Z = F(z), Alpha = alpha }, x.Length);

    public virtual double Residual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x,
        Field<float> r, bool norm = true)
    {
        var rule = new ResidualRule<TF> { Grid = g, Spec = spec, Sigma = F(sigma), Shift = F(shift), Rhs = F(rhs), X = F(x), R = F(r) };
        if (norm) return b.SumCells(rule, g);
        b.ForEachCell(new DiscardSum<ResidualRule<TF>> { Inner = rule }, g);
        return double.NaN;
    }

    public virtual double PreciseResidual(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> xHi,
        Field<float> xLo, Field<float> r) =>
        b.SumCells(new PreciseResidualRule<TF>
        {
            Grid = g, Spec = spec, Sigma = F(sigma), Shift = F(shift), Rhs = F(rhs), XHi = F(xHi), XLo = F(xLo), R = F(r),
        }, g);

    public void AddCorrection(Field<float> xHi, Field<float> xLo, Field<float> e) =>
        b.ForEach(new AddCorrectionRule<TF> { XHi = F(xHi), XLo = F(xLo), E = F(e) }, xHi.Length);

    public virtual void GaussSeidel(GridShape g, OperatorSpec spec, Field<float> sigma, Field<float> shift, Field<float> rhs, Field<float> x, int colour) =>
        b.ForEachColourCell(new GaussSeidelRule<TF> { Grid = g, Spec = spec, Sigma = F(sigma), Shift = F(shift), Rhs = F(rhs), X = F(x), Colour = colour },
            g, colour);

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

    public void Axpby(float a, Field<float> x, float c, Field<float> y) =>
        b.ForEach(new AxpbyRule<TF> { X = F(x), Y = F(y), A = a, B = c }, x.Length);

    public void Multiply(Field<float> d, Field<float> x, Field<float> y) =>
        b.ForEach(new MultiplyRule<TF> { D = F(d), X = F(x), Y = F(y) }, x.Length);

    public void Copy(Field<float> x, Field<float> y) => b.ForEach(new CopyRule<TF> { X = F(x), Y = F(y) }, x.Length);

    /// <summary>Launches a finite-element pass (cells adding into their corner nodes) over the elements of `cells`.</summary>
    protected virtual void ForEachElement<TRule>(TRule rule, GridShape cells) where TRule : struct, IGridRule => b.ForEachCell(rule, cells);

    public virtual void ElasticForce(in ElasticSystem m, Field<float> u, Field<float> f, bool mask)
    {
        var rule = new ElasticForceRule<TF, TI>
        {
            Cells = m.Cells, Nodes = m.Nodes, Boundary = m.Boundary, P = m.P, Xi = F(m.Xi), Damage = F(m.Damage),
            Material = I(m.Material), U = F(u), F = F(f), Mask = mask ? 1 : 0,
        };
        for (int colour = 0; colour < 8; colour++)
        {
            rule.Colour = colour;
            ForEachElement(rule, m.Cells);
        }
    }

    public void ElasticDiagonal(in ElasticSystem m, Field<float> diagonal)
    {
        var rule = new ElasticDiagonalRule<TF, TI>
        {
            Cells = m.Cells, Nodes = m.Nodes, P = m.P, Xi = F(m.Xi), Damage = F(m.Damage), Material = I(m.Material),
            Diagonal = F(diagonal),
        };
        for (int colour = 0; colour < 8; colour++)
        {
            rule.Colour = colour;
            ForEachElement(rule, m.Cells);
        }
    }

    public void ElasticLoad(in ElasticSystem m, Field<float> f)
    {
        var rule = new ElasticLoadRule<TF, TI>
        {
            Cells = m.Cells, Nodes = m.Nodes, Boundary = m.Boundary, P = m.P, Xi = F(m.Xi), Xi0 = F(m.InitialXi), Damage = F(m.Damage),
            Material = I(m.Material), F = F(f),
        };
        for (int colour = 0; colour < 8; colour++)
        {
            rule.Colour = colour;
            ForEachElement(rule, m.Cells);
        }
    }

    public void ElasticConstraint(in ElasticSystem m, Field<float> source, Field<float> target, bool copy) =>
        b.ForEachCell(new ElasticConstraintRule<TF> { Nodes = m.Nodes, Boundary = m.Boundary, Source = F(source), Target = F(target), Copy = copy ? 1 : 0 },
            m.Nodes);

    public virtual double ElasticState(in ElasticSystem m, Field<float> u, Field<float> history, Field<float> vonMises, Field<float> pressure,
        Field<float> energy) =>
        b.SumCells(new ElasticStateRule<TF, TI>
        {
            Cells = m.Cells, Nodes = m.Nodes, Boundary = m.Boundary, P = m.P, Xi = F(m.Xi), Xi0 = F(m.InitialXi), Damage = F(m.Damage),
            Material = I(m.Material), U = F(u), History = F(history), VonMises = F(vonMises), Pressure = F(pressure),
            Energy = F(energy),
        }, m.Cells);

    public virtual (double Lines, float Extent) CrackLines(GridShape g, Field<float> damage, Field<int> material, int axis)
    {
        var rule = new CrackLinesRule<TF, TI> { Grid = g, Damage = F(damage), Material = I(material), Axis = axis };
        long extent = b.Max(rule, g.Count);
        return (b.Sum(rule, g.Count), extent == long.MinValue ? 0f : BitConverter.Int32BitsToSingle((int)extent));
    }

    public virtual long LeafExtent(GridShape g, Field<float> xi, Field<float> damage, Field<int> material, Field<int> label, int axis, int crack,
        int measure, int sheets = 0) =>
        b.Max(new LeafExtentRule<TF, TI>
        {
            Grid = g, Xi = F(xi), Damage = F(damage), Material = I(material), Label = I(label), Axis = axis, Crack = crack, Measure = measure,
            Sheets = sheets,
        }, g.Count);

    public float MaxLiPressure(Field<float> xi, Field<float> pressure, Field<int> material) =>
        LiPressureMaxRule<TF, TI>.Decode(b.Max(new LiPressureMaxRule<TF, TI> { Xi = F(xi), Pressure = F(pressure), Material = I(material) },
            xi.Length));

    public void DamageAssembly(Field<float> history, Field<float> shift, Field<float> rhs, float reaction, float drive) =>
        b.ForEach(new DamageAssemblyRule<TF> { History = F(history), Shift = F(shift), Rhs = F(rhs), Reaction = reaction, Drive = drive },
            history.Length);

    public float DamageIrreversibility(Field<float> solved, Field<float> floor, Field<float> damage, float relaxation = 1f) =>
        BitConverter.Int32BitsToSingle((int)b.Max(new DamageIrreversibilityRule<TF> { Solved = F(solved), Floor = F(floor), Damage = F(damage), Relaxation = relaxation },
            damage.Length));

    public void ElasticStiffnessFactor(in ElasticSystem m, Field<float> factor) =>
        b.ForEach(new StiffnessFactorRule<TF, TI> { Xi = F(m.Xi), Damage = F(m.Damage), Material = I(m.Material), P = m.P, Factor = F(factor) },
            m.Cells.Count);

    public void CoarsenCells(GridShape fine, GridShape coarse, Field<float> fineField, Field<float> coarseField) =>
        b.ForEachCell(new CoarsenCellsRule<TF> { Fine = fine, Coarse = coarse, FineField = F(fineField), CoarseField = F(coarseField) }, coarse);

    public void EffectiveDamage(Field<float> factor, Field<float> damage, float residualStiffness) =>
        b.ForEach(new EffectiveDamageRule<TF> { Factor = F(factor), Damage = F(damage), ResidualStiffness = residualStiffness }, factor.Length);

    public void NodalRestrict(GridShape fineNodes, GridShape coarseNodes, Field<float> fine, Field<float> coarse) =>
        b.ForEachCell(new NodalRestrictRule<TF> { FineNodes = fineNodes, CoarseNodes = coarseNodes, Fine = F(fine), Coarse = F(coarse) }, coarseNodes);

    public void NodalProlongAdd(GridShape coarseNodes, GridShape fineNodes, Field<float> coarse, Field<float> fine) =>
        b.ForEachCell(new NodalProlongAddRule<TF> { FineNodes = fineNodes, CoarseNodes = coarseNodes, Fine = F(fine), Coarse = F(coarse) }, fineNodes);

    public void Reciprocal(Field<float> x) => b.ForEach(new ReciprocalRule<TF> { X = F(x) }, x.Length);

    public void Fill(Field<float> f, float value) => b.ForEach(new FillRule<TF> { F = F(f), Value = value }, f.Length);
}
