using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of the Li sheet's creep flow along its crack (kernels: Physics/LiFlow.cs).</summary>
public interface ILiFlowOperations
{
    /// <summary>
    /// flowRate = ∂ξ/∂t of the creep flow for a step of dt [s] (outflows limited so that no cell gives
    /// more Li than it holds in dt); limit is scratch. Neither ξ nor the pressure is changed.
    /// </summary>
    void LiFlowRate(GridShape g, Field<float> xi, Field<float> pressure, Field<float> damage, Field<int> material,
        Field<float> limit, Field<float> flowRate, in LiFlowParameters p, float dt);

    /// <summary>
    /// sheetPressure = p̂⁰, the sheet's pressure [p_ref] on sheet sites with the Li deposited since the
    /// mechanics solve, dt · depositionRate (dt = 0: none), the electrodes' Li at open mouths, 0 elsewhere.
    /// </summary>
    void LiSheetPressure(GridShape g, Field<float> xi, Field<float> pressure, Field<float> depositionRate, float dt, Field<float> damage,
        Field<int> material, Field<float> sheetPressure, in LiFlowParameters p);

    /// <summary>
    /// The implicit creep step's operator at the step's start (ξ, p̂⁰): y = A x, or y = 1/diag A where
    /// <paramref name="inverseDiagonal"/> (x unused).
    /// </summary>
    void LiFlowOperator(GridShape g, Field<float> xi, Field<float> p0, Field<float> damage, Field<int> material,
        Field<float> x, Field<float> y, in LiFlowParameters p, float dt, bool inverseDiagonal);

    /// <summary>
    /// rhs = b of the implicit step with open mouths: p̂⁰ plus Δt K̂ m_e p̂_e on a sheet site for each face
    /// onto an electrode's Li (p0 holds the electrodes' pressures there, LiSheetPressure).
    /// </summary>
    void LiFlowRightHandSide(GridShape g, Field<float> xi, Field<float> p0, Field<float> damage, Field<int> material,
        Field<float> rhs, in LiFlowParameters p, float dt);

    /// <summary>
    /// flowRate = ∂ξ/∂t of the implicit step that ends at the sheet pressures p1 (face fluxes from the
    /// mobilities at ξ, p̂⁰ and the end pressures; outflows limited, counting what a cell receives); limit
    /// and scratch are scratch.
    /// </summary>
    void LiFlowImplicitRate(GridShape g, Field<float> xi, Field<float> p0, Field<float> p1, Field<float> damage, Field<int> material,
        Field<float> limit, Field<float> scratch, Field<float> flowRate, in LiFlowParameters p, float dt);
}

public partial class Operations<TF, TI>
{
    public void LiFlowRate(GridShape g, Field<float> xi, Field<float> pressure, Field<float> damage, Field<int> material,
        Field<float> limit, Field<float> flowRate, in LiFlowParameters p, float dt)
    {
        // neighbour reads: ξ, p and d (is the neighbour a sheet site, its sheet's pressure); the
        // material's ghost planes are set with the initial state and never change
        Halo.FillGhosts(xi);
        Halo.FillGhosts(pressure);
        Halo.FillGhosts(damage);
        var rule = new LiFlowRule<TF, TI>
        {
            Grid = g, Xi = F(xi), Pressure = F(pressure), Damage = F(damage), Limit = F(limit), FlowRate = F(flowRate), Material = I(material),
            P = p, Dt = dt, Pass = 0,
        };
        b.ForEachCell(rule, g);
        Halo.FillGhosts(limit); // neighbour reads: the donor's λ
        rule.Pass = 1;
        b.ForEachCell(rule, g);
    }

    public void LiSheetPressure(GridShape g, Field<float> xi, Field<float> pressure, Field<float> depositionRate, float dt, Field<float> damage,
        Field<int> material, Field<float> sheetPressure, in LiFlowParameters p) =>
        b.ForEachCell(new LiSheetPressureRule<TF, TI>
        {
            Grid = g, Xi = F(xi), Pressure = F(pressure), DepositionRate = F(depositionRate), Dt = dt, Damage = F(damage),
            SheetPressure = F(sheetPressure), Material = I(material), P = p,
        }, g);

    public void LiFlowOperator(GridShape g, Field<float> xi, Field<float> p0, Field<float> damage, Field<int> material,
        Field<float> x, Field<float> y, in LiFlowParameters p, float dt, bool inverseDiagonal)
    {
        // neighbour reads: ξ and p̂⁰ (the mobility), d (is the neighbour a sheet site), x
        Halo.FillGhosts(xi);
        Halo.FillGhosts(p0);
        Halo.FillGhosts(damage);
        if (!inverseDiagonal) Halo.FillGhosts(x);
        b.ForEachCell(new LiFlowImplicitRule<TF, TI>
        {
            Grid = g, Xi = F(xi), P0 = F(p0), Damage = F(damage), X = F(x), Y = F(y), Limit = F(y), Material = I(material),
            P = p, Dt = dt, Pass = inverseDiagonal ? LiFlowImplicitPass.InverseDiagonal : LiFlowImplicitPass.Apply,
        }, g);
    }

    public void LiFlowRightHandSide(GridShape g, Field<float> xi, Field<float> p0, Field<float> damage, Field<int> material,
        Field<float> rhs, in LiFlowParameters p, float dt)
    {
        Halo.FillGhosts(xi);
        Halo.FillGhosts(p0);
        Halo.FillGhosts(damage);
        b.ForEachCell(new LiFlowImplicitRule<TF, TI>
        {
            Grid = g, Xi = F(xi), P0 = F(p0), Damage = F(damage), X = F(p0), Y = F(rhs), Limit = F(rhs), Material = I(material),
            P = p, Dt = dt, Pass = LiFlowImplicitPass.RightHandSide,
        }, g);
    }

    public void LiFlowImplicitRate(GridShape g, Field<float> xi, Field<float> p0, Field<float> p1, Field<float> damage, Field<int> material,
        Field<float> limit, Field<float> scratch, Field<float> flowRate, in LiFlowParameters p, float dt)
    {
        Halo.FillGhosts(xi);
        Halo.FillGhosts(p0);
        Halo.FillGhosts(damage);
        Halo.FillGhosts(p1);
        var rule = new LiFlowImplicitRule<TF, TI>
        {
            Grid = g, Xi = F(xi), P0 = F(p0), Damage = F(damage), X = F(p1), Y = F(flowRate), Limit = F(limit), Material = I(material),
            P = p, Dt = dt, Pass = LiFlowImplicitPass.Limit,
        };
        b.ForEachCell(rule, g);
        // two passes that count the inflows (λ ping-pongs through the scratch and back into limit)
        foreach (var (from, to) in new[] { (limit, scratch), (scratch, limit) })
        {
            Halo.FillGhosts(from); // neighbour reads: the donor's λ
            b.ForEachCell(rule with { Limit = F(from), Y = F(to), Pass = LiFlowImplicitPass.Relimit }, g);
        }
        Halo.FillGhosts(limit);
        rule.Pass = LiFlowImplicitPass.Rate;
        b.ForEachCell(rule, g);
    }
}
