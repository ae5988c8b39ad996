using static PhaseFieldLi.Kernels.Physics.Interpolation;

namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Butler–Volmer kinetics of the Li | LLZO interface (MODEL.md §3), per unit exchange current i₀:
///   B(η) = exp((1−α) η) − exp(−α η),   η = Φ_k − φ (+ V_m p/F) in units of RT/F,
/// negative η deposits Li. LiPhase.Rate turns it into ∂ξ/∂t with the kinetic rate L_η.
/// </summary>
public static class Kinetics
{
    /// <summary>|η| is capped (in RT/F) so that exp() stays finite in float32; 60 RT/F = 1.5 V.</summary>
    public const float EtaCap = 60f;

    public static float ButlerVolmer(float eta, float alpha)
    {
        eta = Clamp(eta, -EtaCap, EtaCap);
        return MathF.Exp((1f - alpha) * eta) - MathF.Exp(-alpha * eta);
    }

    /// <summary>dB/dη (always positive).</summary>
    public static float ButlerVolmerSlope(float eta, float alpha)
    {
        eta = Clamp(eta, -EtaCap, EtaCap);
        return (1f - alpha) * MathF.Exp((1f - alpha) * eta) + alpha * MathF.Exp(-alpha * eta);
    }
}
