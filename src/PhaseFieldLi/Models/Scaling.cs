using PhaseFieldLi.Cases;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Models;

/// <summary>
/// The one place where SI becomes the plain floats the kernels see.
/// Units inside kernels: length h (grid spacing), time 1 s, potential V_T = RT/F, conductivity σ_LLZO.
///
/// From the interface width δ = √(2κ/W) and energy γ = √(κW)/(3√2): W = 6γ/δ [J/m³], κ = 3γδ [J/m].
/// Kinetic mobility (closed form, MODEL.md §3): L_η = i₀ V_m / (3 F δ) [1/s], so that a planar front
/// moves at v = j_BV V_m / F.
/// Charge source: Q = (F/V_m) h² / (σ_LLZO V_T) [s].
/// </summary>
public sealed record Scaling
{
    public const double Faraday = 96485.33212;   // C/mol
    public const double GasConstant = 8.314462618; // J/(mol·K)

    public Scaling(Case c)
    {
        var e = c.Electrochemistry;
        var p = c.PhaseField;
        SpacingM = c.Grid.SpacingM;
        ThermalVoltageV = GasConstant * e.TemperatureK / Faraday;
        MolarVolume = e.MolarVolumeM3PerMol;
        WellHeightJPerM3 = 6 * p.InterfaceEnergyJPerM2 / p.InterfaceWidthM;
        GradientCoefficientJPerM = 3 * p.InterfaceEnergyJPerM2 * p.InterfaceWidthM;
        KineticMobilityPerS = e.ExchangeCurrentDensityAPerM2 * MolarVolume / (3 * Faraday * p.InterfaceWidthM);
        double h2 = SpacingM * SpacingM;
        Li = new LiPhaseParameters(
            RelaxationRate: (float)(p.MobilityM3PerJS * WellHeightJPerM3),
            GradientRate: (float)(p.MobilityM3PerJS * GradientCoefficientJPerM / h2),
            KineticRate: (float)KineticMobilityPerS,
            Alpha: (float)e.Alpha,
            Confine: p.ConfineToDamage ? 1 : 0,
            LabelThreshold: (float)p.LabelThreshold,
            RimThreshold: (float)p.RimThreshold);
        Charge = new ChargeParameters(
            Q: (float)(Faraday / MolarVolume * h2 / (e.SigmaLlzoSPerM * ThermalVoltageV)),
            SigmaMin: (float)(e.SigmaMinSPerM / e.SigmaLlzoSPerM),
            EmptyCrackXi: (float)p.EmptyCrackXi);
    }

    public double SpacingM { get; }
    public double ThermalVoltageV { get; }
    public double MolarVolume { get; }
    public double WellHeightJPerM3 { get; }
    public double GradientCoefficientJPerM { get; }
    public double KineticMobilityPerS { get; }
    public LiPhaseParameters Li { get; }
    public ChargeParameters Charge { get; }

    /// <summary>Faradaic current [A] of a body from Σ ∂ξ/∂t [1/s] over its cells.</summary>
    public double CurrentA(double sumRate) => Faraday / MolarVolume * SpacingM * SpacingM * SpacingM * sumRate;

    /// <summary>Σ ∂ξ/∂t over a body's cells that carries current I [A].</summary>
    public double SumRate(double currentA) => currentA * MolarVolume / (Faraday * SpacingM * SpacingM * SpacingM);

    /// <summary>Largest stable forward-Euler step of the capillary part (with a 0.8 safety factor) [s].</summary>
    public double StableStepS => 0.8 * 2.0 / (2.0 * Li.RelaxationRate + 12.0 * Li.GradientRate);

    /// <summary>Curvature-flow speed L_σ κ / R of an interface of radius R [m/s] (MODEL.md §3).</summary>
    public double CurvatureSpeed(double mobility, double radiusM) => mobility * GradientCoefficientJPerM / radiusM;
}
