using PhaseFieldLi.Cases;
using PhaseFieldLi.Kernels.Physics;
using PhaseFieldLi.Kernels.Solvers;

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
    public const double Faraday = PhysicalConstants.Faraday;   // C/mol
    public const double GasConstant = PhysicalConstants.GasConstant; // J/(mol·K)

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
            RimThreshold: (float)p.RimThreshold,
            FilmFloor: (float)p.FilmFloor,
            SheetReactivity: p.ThinSheets ? (float)(6 * p.InterfaceWidthM / SpacingM) : 0f,
            SheetEdgeFill: (float)(p.SheetEdgeThicknessM / SpacingM),
            SheetNormalAxis: c.Mechanics is { Anisotropy: > 0 } m ? m.CleavageAxis : -1,
            SheetNeedsEmptyNeighbours: p.SheetsInsideLi ? 0 : 1);
        Charge = new ChargeParameters(
            Q: (float)(Faraday / MolarVolume * h2 / (e.SigmaLlzoSPerM * ThermalVoltageV)),
            SigmaMin: (float)(e.SigmaMinSPerM / e.SigmaLlzoSPerM),
            EmptyCrackXi: (float)p.EmptyCrackXi,
            SeparatorSigma: (float)(c.Electrodes.SeparatorConductivitySPerM / e.SigmaLlzoSPerM));
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

    // ---- Mechanics: length h, stress E_LLZO (a kernel stress 1 is E_LLZO; a displacement 1 is h). ----

    /// <summary>
    /// The Li sheet's creep flow in kernel units (kernels: Physics/LiFlow.cs): C = 3^((n+1)/2) A′ p_ref^n /
    /// (2^(n+1)(n+2)) [1/s] with A′ = A exp(−Q/RT) and p_ref = 1 MPa (A is given per MPa^n, so p_ref^n = 1);
    /// pressures reach the kernel as (field value × stress unit) / p_ref; K̂ = K_Li / p_ref (default: Li's
    /// bulk modulus from E = 7.8 GPa, ν = 0.38).
    /// </summary>
    public static LiFlowParameters LiFlow(LiCreepLaw law, double temperatureK, double stressUnitPa, double sheetOnsetXi, int normalAxis,
        double liBulkModulusPa = 7.8e9 / (3 * (1 - 2 * 0.38)))
    {
        double n = law.StressExponent;
        double a = law.PrefactorPerMPaNPerS * Math.Exp(-law.ActivationEnergyJPerMol / (GasConstant * temperatureK));
        return new LiFlowParameters
        {
            Rate = (float)(Math.Pow(3, (n + 1) / 2) * a / (Math.Pow(2, n + 1) * (n + 2))),
            Exponent = (float)n,
            PressureScale = (float)(stressUnitPa / LiCreepLaw.ReferencePressurePa),
            SheetOnset = (float)sheetOnsetXi,
            NormalAxis = normalAxis,
            Stiffness = (float)(liBulkModulusPa / LiCreepLaw.ReferencePressurePa),
            OpenToElectrodes = law.OpenToElectrodes ? 1 : 0,
            // von Mises: τ_y = σ_y/√3
            YieldShear = (float)(law.YieldStressPa / Math.Sqrt(3) / LiCreepLaw.ReferencePressurePa),
            SlotRate = (float)(2 * Math.Pow(3, (n + 1) / 2) * a),
        };
    }

    /// <summary>E_LLZO [Pa], the stress unit of the mechanics kernels.</summary>
    public double StressUnitPa(MechanicsSettings m) => m.YoungLlzoPa;

    public static double Lambda(double e, double nu) => e * nu / ((1 + nu) * (1 - 2 * nu));
    public static double Shear(double e, double nu) => e / (2 * (1 + nu));

    /// <summary>Kernel parameters at time t (the crack pressure may ramp).</summary>
    public MechanicsParameters Mechanics(MechanicsSettings m, double timeS)
    {
        double unit = StressUnitPa(m);
        return new MechanicsParameters(
            LambdaLlzo: (float)(Lambda(m.YoungLlzoPa, m.PoissonLlzo) / unit),
            MuLlzo: (float)(Shear(m.YoungLlzoPa, m.PoissonLlzo) / unit),
            LambdaLi: (float)(Lambda(m.YoungLiPa, m.PoissonLi) / unit),
            MuLi: (float)(Shear(m.YoungLiPa, m.PoissonLi) / unit),
            ResidualStiffness: (float)m.ResidualStiffness,
            CrackPressure: (float)(m.CrackPressureAt(timeS) / unit));
    }

    /// <summary>Top-face load in kernel units: traction −p_stack/E or displacement u/h.</summary>
    public ElasticBoundary Boundary(MechanicsSettings m) => m.Top == TopLoad.Traction
        ? new ElasticBoundary(ElasticBoundary.Traction, (float)(-m.StackPressurePa / StressUnitPa(m)), m.PlaneStrain ? 1 : 0)
        : new ElasticBoundary(ElasticBoundary.Displacement, (float)(m.TopDisplacementM / SpacingM), m.PlaneStrain ? 1 : 0);

    /// <summary>(h/ℓ)² of the damage equation (DamageAssemblyRule).</summary>
    public float DamageReaction(MechanicsSettings m) => (float)Math.Pow(SpacingM / m.LengthScaleM, 2);

    /// <summary>c = 2ℓE_LLZO/G_c of the damage equation (H in kernel units), G_c corrected for the grid if asked.</summary>
    public float DamageDrive(MechanicsSettings m) => (float)(2 * m.LengthScaleM * StressUnitPa(m) / m.ModelFractureEnergyJPerM2(SpacingM));

    /// <summary>A = I + β(I − M⊗M) on the damage operator (zero-flux faces): 1 along M, 1 + β across.</summary>
    public static OperatorSpec DamageSpec(MechanicsSettings m)
    {
        float b = (float)(1 + m.Anisotropy);
        return OperatorSpec.Default with
        {
            Ax = m.CleavageAxis == 0 ? 1f : b,
            Ay = m.CleavageAxis == 1 ? 1f : b,
            Az = m.CleavageAxis == 2 ? 1f : b,
        };
    }
}
