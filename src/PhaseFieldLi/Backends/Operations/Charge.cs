using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of the charge equation's assembly and the galvanostat's sums (kernels: Physics/Charge.cs).</summary>
public interface IChargeOperations
{
    void AssembleCharge(State s, GridShape g, in LiPhaseParameters li, in ChargeParameters p, int galvanostaticBody);
    (double First, double Second) GalvanostatSums(State s, int body, float invQ, bool ownResponse = true);
}

public partial class Operations<TF, TI>
{
    public virtual void AssembleCharge(State s, GridShape g, in LiPhaseParameters li, in ChargeParameters p, int galvanostaticBody)
    {
        Halo.FillGhosts(s.Xi); // neighbour reads: ξ
        b.ForEachCell(new ChargeAssemblyRule<TF, TI>
        {
            Grid = g, Xi = F(s.Xi), Phi = F(s.Phi), Damage = F(s.Damage), BodyPotential = F(s.BodyPotential),
            Pressure = F(s.Pressure), Sigma = F(s.Sigma), Shift = F(s.Shift), RhsA = F(s.RhsA), RhsB = F(s.RhsB),
            Label = I(s.Label), Material = I(s.Material), Li = li, P = p, GalvanostaticBody = galvanostaticBody,
        }, g);
        Halo.FillGhosts(s.Sigma); // σ is written here and read at the neighbours by every Helmholtz pass
    }

    public (double First, double Second) GalvanostatSums(State s, int body, float invQ, bool ownResponse = true) =>
        b.Sum2(new GalvanostatSumsRule<TF, TI>
        {
            Shift = F(s.Shift), RhsA = F(s.RhsA), PhiA = F(s.Phi), PhiB = F(s.PhiB), Label = I(s.Label),
            Body = body, InvQ = invQ, Chi = ownResponse ? 1f : 0f,
        }, s.Xi.Length);
}
