using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of the Li phase: ∂ξ/∂t from the Allen–Cahn rate and its explicit step (kernels: Physics/LiPhase.cs).</summary>
public interface ILiPhaseOperations
{
    void LiPhaseRate(State s, GridShape g, in LiPhaseParameters p);
    void AdvanceLiPhase(State s, float dt, float filmFloor);
    float MaxAbs(Field<float> f);
}

public partial class Operations<TF, TI>
{
    public virtual void LiPhaseRate(State s, GridShape g, in LiPhaseParameters p)
    {
        Halo.FillGhosts(s.Xi); // neighbour reads: ξ (∇²ξ, the sheet edge's supply)
        b.ForEachCell(new LiPhaseRateRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Phi = F(s.Phi), Damage = F(s.Damage), BodyPotential = F(s.BodyPotential),
            Rate = F(s.Rate), Pressure = F(s.Pressure), Label = I(s.Label), Material = I(s.Material), P = p,
        }, g);
    }

    public void AdvanceLiPhase(State s, float dt, float filmFloor) =>
        b.ForEach(new AdvanceLiPhaseRule<TF, TI> { Xi = F(s.Xi), Rate = F(s.Rate), History = F(s.LiHistory), Material = I(s.Material), Dt = dt, FilmFloor = filmFloor },
            s.Xi.Length);

    public float MaxAbs(Field<float> f) =>
        BitConverter.Int32BitsToSingle((int)b.Max(new MaxAbsRule<TF> { Field = F(f) }, f.Length));
}
