using PhaseFieldLi.Grids;

namespace PhaseFieldLi.Cases;

/// <summary>A whole case in SI units, as read from a case file (every optional value has a default).</summary>
public sealed record Case(
    string Name,
    Grid Grid,
    TimeSettings Time,
    Electrochemistry Electrochemistry,
    PhaseFieldSettings PhaseField,
    SolverSettings Solver,
    ElectrodeLayout Electrodes,
    IReadOnlyList<Flaw> Flaws,
    string SourceText)
{
    /// <summary>SHA-256 of the case file text: written into every output file.</summary>
    public string Hash { get; } = Convert.ToHexString(
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(SourceText))).ToLowerInvariant();

    /// <summary>Elasticity and fracture; null when the case has no [mechanics] or [fracture] table.</summary>
    public MechanicsSettings? Mechanics { get; init; }

    /// <summary>What a run solves.</summary>
    public Physics Physics { get; init; } = Physics.Electrodeposition;
}

/// <summary>
/// Electrodeposition: Li phase, potential and metal bodies (the d field is given). Fracture:
/// quasi-static elasticity and damage under a load ramp, no electrochemistry. Coupled: both, with
/// the Li pressure in the overpotential and plated Li opening the cracks it fills.
/// </summary>
public enum Physics { Electrodeposition, Fracture, Coupled }

public enum ElasticPreconditioner { Multigrid, Jacobi }

public enum EnergySplit { VolumetricDeviatoric, Spectral }

public sealed record TimeSettings(
    double EndS,
    double MaxStepS,
    double MaxXiChangePerStep,
    double OutputIntervalS,
    int DiagnosticsEverySteps,
    int MaxSteps,
    /// <summary>Simulated time between checkpoints [s]; 0: only when the run ends or is stopped.</summary>
    double CheckpointIntervalS,
    /// <summary>Watchdog: a time step below this [s] stops the run.</summary>
    double MinStepS,
    /// <summary>Coupled runs: the next step is shortened so that max |Δd| per step stays near this.</summary>
    double MaxDamageChangePerStep = 0.2);

public enum CellControl { Galvanostatic, Potentiostatic }

/// <summary>One segment of a piecewise-constant current schedule: j until time UntilS.</summary>
public sealed record CurrentSegment(double UntilS, double CurrentDensityAPerM2);

public sealed record Electrochemistry(
    double TemperatureK,
    double MolarVolumeM3PerMol,
    double SigmaLlzoSPerM,
    double SigmaMinSPerM,
    double ExchangeCurrentDensityAPerM2,
    double Alpha,
    CellControl Control,
    /// <summary>Nominal current density over the electrode cross-section [A/m²]; positive plates Li on the negative electrode.</summary>
    IReadOnlyList<CurrentSegment> CurrentSchedule,
    /// <summary>Φ₊ − Φ₋ for potentiostatic control [V].</summary>
    double CellVoltageV)
{
    public double CurrentDensityAt(double timeS)
    {
        foreach (var s in CurrentSchedule)
            if (timeS < s.UntilS) return s.CurrentDensityAPerM2;
        return CurrentSchedule[^1].CurrentDensityAPerM2;
    }
}

public sealed record PhaseFieldSettings(
    /// <summary>δ = √(2κ/W) [m]; the 10–90 % width is ≈ 2.2 δ.</summary>
    double InterfaceWidthM,
    /// <summary>γ = √(κW)/(3√2) [J/m²].</summary>
    double InterfaceEnergyJPerM2,
    /// <summary>L_σ [m³/(J·s)].</summary>
    double MobilityM3PerJS,
    double EmptyCrackXi,
    double LabelThreshold,
    double RimThreshold,
    bool ConfineToDamage,
    /// <summary>Steps between full relabellings (splits, new isolated bodies); incremental in between.</summary>
    int RelabelEvery,
    /// <summary>Damaged LLZO (d &gt; ½) conducts electrons along the crack faces and joins the body it touches.</summary>
    bool CrackFaceConduction = false,
    /// <summary>ξ_f: residual-film floor in LLZO cells that once held Li (ξ &gt; ½); 0 = off.</summary>
    double FilmFloor = 0,
    /// <summary>Li in cracked LLZO as a sub-cell sheet (volume fraction, reacting crack faces and edge).</summary>
    bool ThinSheets = false,
    /// <summary>Thickness [m] of a thin sheet's advancing edge: a cracked cell is covered once it holds this
    /// much Li (LiPhase.Rate); below the grid spacing.</summary>
    double SheetEdgeThicknessM = 1e-7,
    /// <summary>
    /// true: every cracked cell on the crack's plane is a sheet site for the reaction, also inside a Li
    /// body thicker than a cell (the flaw's mid-plane); false: a plane cell whose neighbours across the
    /// plane hold Li (ξ &gt; ½) reacts as the resolved Li it sits in (LiPhase.ReactsAsSheet).
    /// </summary>
    bool SheetsInsideLi = false);

/// <summary>How the potential's linear systems are solved.</summary>
public enum PotentialSolver { MultigridCg, JacobiCg }

public sealed record SolverSettings(
    PotentialSolver Method,
    double Tolerance,
    int MaxIterations,
    double NewtonTolerance,
    int NewtonMaxIterations,
    /// <summary>Watchdog: this many potential solves in a row that miss their tolerance stop the run.</summary>
    int MaxFailuresInARow);

/// <summary>
/// Electrode slabs along z: collector (Li foil, ξ ≡ 1), initial Li layer, growth room, and an optional
/// liquid-electrolyte separator layer between the growth room and the LLZO (Li|LiPF6|LLZO|LiPF6|Li).
/// </summary>
public sealed record ElectrodeLayout(
    double CollectorThicknessM,
    double NegativeLiThicknessM,
    double PositiveLiThicknessM,
    double GrowthRoomM,
    double SeparatorThicknessM = 0,
    double SeparatorConductivitySPerM = 0.1);

public enum FlawShape { Box, Disc, Sphere }

/// <summary>
/// A given damage region (a pre-existing crack or flaw). Box: axis-aligned from Min to Max.
/// Disc: centre, radius, thickness and unit normal (a penny crack). Sphere: centre and radius.
/// </summary>
public sealed record Flaw(
    FlawShape Shape,
    double[] MinM,
    double[] MaxM,
    double[] CentreM,
    double RadiusM,
    double ThicknessM,
    double[] Normal,
    double Damage,
    /// <summary>Initial Li fraction inside the flaw (0: empty).</summary>
    double Li,
    /// <summary>The flaw once held Li that has since dissolved (an emptied crack): its cells count as visited
    /// by Li, so the residual-film floor ([phase_field] film_floor) applies there from the start.</summary>
    bool Emptied = false);

/// <summary>Which component of the top face (z high) is loaded.</summary>
public enum TopLoad { Traction, Displacement }

/// <summary>
/// Elasticity and phase-field fracture of the LLZO ([mechanics] and [fracture]); null on a case
/// without them. SI units. The three low faces are symmetry planes (rollers), the high x and y
/// faces traction-free, the top face carries the stack pressure or a prescribed displacement.
/// </summary>
public sealed record MechanicsSettings(
    double YoungLlzoPa,
    double PoissonLlzo,
    double YoungLiPa,
    double PoissonLi,
    /// <summary>k of the degradation (1 − d)² + k.</summary>
    double ResidualStiffness,
    TopLoad Top,
    /// <summary>Compressive normal stress on the top face [Pa] (Top = Traction).</summary>
    double StackPressurePa,
    /// <summary>Normal displacement of the top face [m] (Top = Displacement; positive = tension).</summary>
    double TopDisplacementM,
    /// <summary>Pressure in open crack space [Pa], acting where d is (Sneddon's pressurised crack), at t = 0 …</summary>
    double CrackPressurePa,
    /// <summary>… rising at this rate [Pa/s] (a load ramp for quasi-static crack growth).</summary>
    double CrackPressureRatePaPerS,
    /// <summary>G_c [J/m²] (from K_IC: G_c = K²(1 − ν²)/E).</summary>
    double FractureEnergyJPerM2,
    /// <summary>ℓ [m].</summary>
    double LengthScaleM,
    /// <summary>β of A = I + β(I − M⊗M).</summary>
    double Anisotropy,
    /// <summary>Axis of the cleavage normal M: 0 = x, 1 = y, 2 = z.</summary>
    int CleavageAxis,
    double Tolerance,
    int MaxIterations,
    /// <summary>Staggered u–d iterations stop when max |Δd| falls below this.</summary>
    double StaggerTolerance,
    int StaggerMaxIterations,
    /// <summary>Rollers on both y faces: an x–z problem in plane strain.</summary>
    bool PlaneStrain,
    /// <summary>Preconditioner of the elastic CG: nodal multigrid V-cycle or Jacobi.</summary>
    ElasticPreconditioner Preconditioner = ElasticPreconditioner.Multigrid,
    /// <summary>Tensile energy that drives the damage: volumetric–deviatoric (Amor) or spectral (Miehe).</summary>
    EnergySplit Split = EnergySplit.VolumetricDeviatoric,
    /// <summary>ω of the staggered damage update d_old + ω (d_solved − d_old): 1 is plain alternate minimisation.</summary>
    double StaggerRelaxation = 1.0,
    /// <summary>The creep law by which a Li sheet flows along its crack (null: no flow; needs coupled physics and thin sheets).</summary>
    LiCreepLaw? LiCreep = null,
    /// <summary>
    /// Divide G_c by the discretised AT2 functional's excess 1 + h/(2ℓ) (Bourdin, Francfort &amp; Marigo 2008), so
    /// that a crack on the grid dissipates the material's G_c rather than 1 + h/(2ℓ) times it.
    /// </summary>
    bool DiscreteToughnessCorrection = false)
{
    /// <summary>G_c as the damage equation sees it [J/m²]: the material's, or corrected for the grid (<see cref="DiscreteToughnessCorrection"/>).</summary>
    public double ModelFractureEnergyJPerM2(double spacingM) =>
        DiscreteToughnessCorrection ? FractureEnergyJPerM2 / (1 + spacingM / (2 * LengthScaleM)) : FractureEnergyJPerM2;

    /// <summary>Crack pressure at time t [Pa].</summary>
    public double CrackPressureAt(double timeS) => CrackPressurePa + CrackPressureRatePaPerS * timeS;
}

/// <summary>CODATA 2018 exact values.</summary>
public static class PhysicalConstants
{
    /// <summary>R [J/(mol·K)].</summary>
    public const double GasConstant = 8.314462618;
    /// <summary>F [C/mol].</summary>
    public const double Faraday = 96485.33212;
}

/// <summary>
/// Power-law (Norton) creep of Li metal, ε̇_eq = A σ_eq^n exp(−Q/RT), with σ in MPa: the law the Li
/// sheet's flow along its crack follows (kernels: Physics/LiFlow.cs). Defaults from the tension creep
/// of bulk polycrystalline Li at about 26 °C by Masias et al. (J. Mater. Sci. 54, 2585, 2019, Table S1:
/// minimum secondary creep rates at 0.2–0.6 MPa, below the 0.73–0.81 MPa yield): n = 6.56, and a
/// least-squares fit of its 7 points gives n = 6.562 and A e^(−Q/RT) = 7.73 × 10⁻³ MPa⁻ⁿ s⁻¹ at room
/// temperature. Masias et al. did not measure Q; Q = 37 kJ/mol is the activation energy of an Anand-type
/// viscoplastic Li (model inputs citing Narayan &amp; Anand), used here only to move A off 26 °C: A = 7.73 × 10⁻³ e^(Q/(R·299.15 K))
/// = 2.23 × 10⁴ MPa⁻ⁿ s⁻¹. (Before, 4.25 × 10⁴ was used: that matches that Anand model's rate prefactor
/// in s⁻¹, with its resistance S ≈ 0.95 MPa, read as a Norton A; it creeps 1.81 times faster than Masias's
/// data at 298.15 K.) Extrapolation caveat: the seed's Li is stressed far above 0.6 MPa, where bulk Li
/// yields and power-law creep breaks down (σ/G > 10⁻³, about 2.8 MPa).
/// </summary>
/// <param name="StressExponent">n.</param>
/// <param name="PrefactorPerMPaNPerS">A [MPa⁻ⁿ s⁻¹].</param>
/// <param name="ActivationEnergyJPerMol">Q [J/mol].</param>
/// <param name="OpenToElectrodes">
/// The cracks' mouths open onto the electrodes' Li: a sheet cell next to an electrode's metal exchanges
/// Li with it by the same law, the electrode a reservoir at its own pressure (false: sheets flow only
/// among themselves).
/// </param>
/// <param name="YieldStressPa">
/// σ_y [Pa]: Li flows only above it, by overstress creep ε̇ = A′ (σ_eq − σ_y)^n (0: none). Micrometre-sized
/// Li is far stronger than bulk Li: Xu et al. (PNAS 114, 57, 2017) measured 105 MPa for µm pillars at room
/// temperature (and a size exponent −0.68, which this constant σ_y leaves out).
/// </param>
public sealed record LiCreepLaw(
    double StressExponent = 6.56,
    double PrefactorPerMPaNPerS = 2.23e4,
    double ActivationEnergyJPerMol = 37e3,
    bool OpenToElectrodes = false,
    double YieldStressPa = 0)
{
    /// <summary>The pressure unit of A: 1 MPa.</summary>
    public const double ReferencePressurePa = 1e6;
}
