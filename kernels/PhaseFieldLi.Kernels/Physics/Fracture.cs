using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// The AT2 damage equation (MODEL.md §3, "Fracture") as the Helmholtz system of Helmholtz.cs, in
/// units of h and divided by G_c ℓ/h²:
///
///   −∇·(A∇d) + (h/ℓ)² (1 + c H) d = (h/ℓ)² c H,   c = 2ℓ E_LLZO / G_c  (H in E_LLZO),
///
/// with A = I + β(I − M⊗M) passed as the operator's diagonal anisotropy (M along an axis). The
/// conductivity of the Helmholtz operator is 1 everywhere (Sigma = 1).
/// </summary>
public struct DamageAssemblyRule<TF> : ICellRule where TF : struct, IView<float>
{
    public TF History, Shift, Rhs;
    /// <summary>(h/ℓ)².</summary>
    public float Reaction;
    /// <summary>c = 2ℓ E_LLZO / G_c.</summary>
    public float Drive;

    public void Apply(int idx)
    {
        float ch = Drive * History[idx];
        ch = ch < Mechanics.MaxDamageDrive ? ch : Mechanics.MaxDamageDrive;
        Shift[idx] = Reaction * (1f + ch);
        Rhs[idx] = Reaction * ch;
    }
}

/// <summary>
/// Irreversibility: d = min(max(d*, d_floor), 1), where d_floor is the damage at the start of
/// the load step (a crack never heals) and d* the staggered update d_old + ω (d_solved − d_old):
/// ω = 1 takes the damage solve as it is (alternate minimisation), ω &gt; 1 over-relaxes it. Key: the
/// float bits of the change of d against the previous staggered iterate (its maximum is the
/// stagger's convergence measure).
/// </summary>
public struct DamageIrreversibilityRule<TF> : ICellMax where TF : struct, IView<float>
{
    public TF Solved, Floor, Damage;
    /// <summary>ω, the stagger's relaxation of the damage update (1: none).</summary>
    public float Relaxation;

    public long Key(int idx)
    {
        float floor = Floor[idx];
        float d = Solved[idx];
        if (Relaxation != 1f) d = Damage[idx] + Relaxation * (d - Damage[idx]);
        d = d < floor ? floor : (d > 1f ? 1f : d);
        float change = MathF.Abs(d - Damage[idx]);
        Damage[idx] = d;
        return ILGPU.Interop.FloatAsInt(change);
    }
}
