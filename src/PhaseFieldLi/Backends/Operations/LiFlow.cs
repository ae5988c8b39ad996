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
}
