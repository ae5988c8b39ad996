using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using static PhaseFieldLi.Kernels.Physics.Interpolation;

namespace PhaseFieldLi.Kernels.Physics;

/// <summary>Non-dimensional parameters of the charge equation ∇̂·(σ̂∇̂φ̂) = Q ∂ξ/∂t.</summary>
public readonly record struct ChargeParameters(
    /// <summary>Q = (F/V_m) h² / (σ_LLZO · RT/F) [s]: Faradaic source per unit ∂ξ/∂t.</summary>
    float Q,
    /// <summary>σ_min/σ_LLZO: floor of the ionic conductivity (metal, empty cracks).</summary>
    float SigmaMin,
    /// <summary>ξ_e: a damaged LLZO cell counts as empty crack with weight exp(−ξ/ξ_e).</summary>
    float EmptyCrackXi,
    /// <summary>σ_separator/σ_LLZO: ionic conductivity of a liquid-electrolyte separator layer.</summary>
    float SeparatorSigma = 1f);

/// <summary>
/// Ionic charge conservation, quasi-static (MODEL.md §3):
///
///   ∇·(σ_l ∇φ) = (F/V_m) ∂ξ/∂t,   zero flux on the outer faces,
///   σ_l = σ_LLZO (1 − h(ξ)) (1 − e) + σ_min,   e = h(d) exp(−ξ/ξ_e) in LLZO (empty crack), 0 elsewhere;
///   in a separator layer σ_separator (1 − h(ξ)) + σ_min.
///
/// Non-dimensional (x in h, φ in RT/F, σ in σ_LLZO, t in s): ∇̂·(σ̂∇̂φ̂) = Q ∂ξ/∂t.
/// The Butler–Volmer source is stiff, so it is linearised in φ around the iterate φ* (Newton):
///   R(φ) ≈ R* + R′ (φ − φ*) − R′ (Φ_k − Φ_k*),   R′ = ∂R/∂φ ≥ 0,
/// which gives the SPD Helmholtz problem  −∇̂·(σ̂∇̂φ) + a φ = rhs  with
///   a = Q R′ ≥ 0,   rhs = a φ* − Q R*,
/// and, for the galvanostatic body g, the response φ_B to a unit change of Φ_g:
///   −∇̂·(σ̂∇̂φ_B) + a φ_B = a χ_g    (χ_g = 1 on the cells of body g).
/// Face conductivities are harmonic means (exact for a conductivity jump at the face).
/// </summary>
public static class Charge
{
    public static float Conductivity(float xi, float damage, int material, in ChargeParameters p)
    {
        if (material == Materials.Separator) return p.SeparatorSigma * (1f - H(xi)) + p.SigmaMin;
        float empty = material == Materials.Llzo ? H(damage) * MathF.Exp(-xi / p.EmptyCrackXi) : 0f;
        return (1f - H(xi)) * (1f - empty) + p.SigmaMin;
    }

    public static float FaceConductivity(float a, float b) => 2f * a * b / (a + b);
}

/// <summary>Per Newton iteration: σ̂, a, rhs_A (and rhs_B for the galvanostatic body) at φ*.</summary>
public struct ChargeAssemblyRule<TF, TI> : IGridRule
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi, Phi, Damage, BodyPotential;
    /// <summary>p = −tr σ/3 per cell [E_LLZO], weighted by Li.PressurePotential (0: any field).</summary>
    public TF Pressure;
    public TF Sigma, Shift, RhsA, RhsB;
    public TI Label, Material;
    public LiPhaseParameters Li;
    public ChargeParameters P;
    /// <summary>Label of the body whose potential is an unknown (−1: none, potentiostatic).</summary>
    public int GalvanostaticBody;

    public void Apply(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        int label = Label[idx];
        int material = Material[idx];
        float xi = Xi[idx];
        float phi = Phi[idx];
        float potential = label >= 0 ? BodyPotential[label] : 0f;
        float edgeFill = Li.SheetReactivity > 0f ? LiPhase.EdgeSupply(Grid, Xi, idx, i, j, k, Li.SheetNormalAxis) : 0f;
        bool plane = LiPhase.ReactsAsSheet(Grid, Damage, Xi, idx, i, j, k, Li);
        float rate = LiPhase.Rate(xi, LiPhase.Laplacian(Grid, Xi, idx, i, j, k), edgeFill, plane, Damage[idx], material,
            label, potential, phi, Pressure[idx], Li, out float slope);
        float a = P.Q * slope;
        Sigma[idx] = Charge.Conductivity(xi, Damage[idx], material, P);
        Shift[idx] = a;
        RhsA[idx] = a * phi - P.Q * rate;
        RhsB[idx] = label == GalvanostaticBody ? a : 0f;
    }
}

/// <summary>
/// Sums over body j for the potential update: first = Σ_j (a φ_A − rhs_A)/Q (the linearised Σ ∂ξ/∂t
/// at ΔΦ = 0), second = Σ_j a (φ_B − χ)/Q, the change of that sum per unit change of the potential
/// whose response φ_B is (χ = 1 when φ_B is body j's own response, 0 for another body's).
/// </summary>
public struct GalvanostatSumsRule<TF, TI> : ICellSum2
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    public TF Shift, RhsA, PhiA, PhiB;
    public TI Label;
    public int Body;
    public float InvQ, Chi;

    public void Values(int idx, out double first, out double second)
    {
        if (Label[idx] != Body) { first = 0; second = 0; return; }
        float a = Shift[idx];
        first = (a * PhiA[idx] - RhsA[idx]) * InvQ;
        second = a * (PhiB[idx] - Chi) * InvQ;
    }
}
