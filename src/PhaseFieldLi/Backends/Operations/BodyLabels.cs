using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of connected Li bodies: labels, their moments, tips and sheet edges (kernels: Physics/BodyLabels.cs).</summary>
public interface IBodyLabelOperations
{
    int PropagateLabels(State s, GridShape g, float threshold, float rimThreshold, bool crackConduction = false, bool sheetEdges = false);
    void ResetLabels(State s, GridShape g, float threshold, bool crackConduction = false);
    double BodyMoment(State s, GridShape g, int body);
    void BodyShift(State s, int body, Field<float> rhs);
    long Tip(State s, GridShape g, int body);
    long SheetTip(State s, GridShape g, int body, float edgeFill, int normalAxis);
    double SheetTipAdvance(State s, GridShape g, int target, float edgeFill, int normalAxis);
}

public partial class Operations<TF, TI>
{
    public virtual int PropagateLabels(State s, GridShape g, float threshold, float rimThreshold, bool crackConduction = false, bool sheetEdges = false)
    {
        Halo.FillGhosts(s.Xi); // neighbour reads: ξ and the labels
        Halo.FillGhosts(s.Label);
        return (int)b.Sum(new PropagateLabelsRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Damage = F(s.Damage), Label = I(s.Label), Material = I(s.Material), Threshold = threshold,
            RimThreshold = rimThreshold, CrackConduction = crackConduction ? 1 : 0, SheetEdges = sheetEdges ? 1 : 0,
        }, g.Count);
    }

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

    public virtual long Tip(State s, GridShape g, int body)
    {
        Halo.FillGhosts(s.Xi); // neighbour reads: ξ
        return b.Max(new TipRule<TF, TI> { Grid = g, Xi = F(s.Xi), Label = I(s.Label), Body = body }, g.Count);
    }

    public virtual long SheetTip(State s, GridShape g, int body, float edgeFill, int normalAxis)
    {
        Halo.FillGhosts(s.Xi); // neighbour reads: ξ
        return b.Max(new SheetTipRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Damage = F(s.Damage), Label = I(s.Label), Material = I(s.Material), Body = body,
            EdgeFill = edgeFill, NormalAxis = normalAxis,
        }, g.Count);
    }

    public double SheetTipAdvance(State s, GridShape g, int target, float edgeFill, int normalAxis) =>
        b.Sum(new SheetTipAdvanceRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Rate = F(s.Rate), Damage = F(s.Damage), Material = I(s.Material), Target = target,
            EdgeFill = edgeFill, NormalAxis = normalAxis,
        }, s.Xi.Length);
}
