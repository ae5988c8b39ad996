using PhaseFieldLi.Fields;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Backends;

/// <summary>The launches of the AT2 damage equation's assembly and irreversibility (kernels: Physics/Fracture.cs).</summary>
public interface IFractureOperations
{
    void DamageAssembly(Field<float> history, Field<float> shift, Field<float> rhs, float reaction, float drive);
    float DamageIrreversibility(Field<float> solved, Field<float> floor, Field<float> damage, float relaxation = 1f);
}

public partial class Operations<TF, TI>
{
    public void DamageAssembly(Field<float> history, Field<float> shift, Field<float> rhs, float reaction, float drive) =>
        b.ForEach(new DamageAssemblyRule<TF> { History = F(history), Shift = F(shift), Rhs = F(rhs), Reaction = reaction, Drive = drive },
            history.Length);

    public float DamageIrreversibility(Field<float> solved, Field<float> floor, Field<float> damage, float relaxation = 1f) =>
        BitConverter.Int32BitsToSingle((int)b.Max(new DamageIrreversibilityRule<TF> { Solved = F(solved), Floor = F(floor), Damage = F(damage), Relaxation = relaxation },
            damage.Length));
}
