using System.Globalization;

namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// One row of the time series, SI units. Tip quantities refer to the deepest ξ = ½ point of the
/// negative electrode's Li (its height above the negative electrode's outer face): the tip current
/// density from the charge equation (column integral of the Faradaic source) and from the tip's
/// speed through the seed's eq. 1, j = zF/V_m · dx/dt.
/// </summary>
public sealed record DiagnosticsRow(
    int Step,
    double TimeS,
    double DtS,
    double CellVoltageV,
    double AppliedCurrentA,
    double NegativeCurrentA,
    double PositiveCurrentA,
    double NegativeLiVolumeM3,
    double TotalLiVolumeM3,
    double TipHeightM,
    double TipVelocityMPerS,
    double TipCurrentDensityAPerM2,
    double TipCurrentDensityFromVelocityAPerM2,
    double NominalCurrentDensityAPerM2,
    int NewtonIterations,
    int LinearIterations,
    double LinearResidual,
    /// <summary>Isolated metal bodies; the first one's (label 2) centre of mass along z, Li volume, net current, potential.</summary>
    int IsolatedBodies = 0,
    double Body2CentreZM = double.NaN,
    double Body2LiVolumeM3 = double.NaN,
    double Body2CurrentA = double.NaN,
    double Body2PotentialV = double.NaN,
    /// <summary>Coupled mechanics: the largest pressure −tr σ/3 in a Li-bearing LLZO cell (ξ > ½) [Pa], the
    /// crack area projected on the cleavage plane [m²], and the staggered u–d iterations of the step.</summary>
    double MaxLiPressurePa = double.NaN,
    double CrackAreaM2 = double.NaN,
    int StaggerIterations = 0,
    double StepDamageChange = double.NaN,
    /// <summary>Coupled mechanics: size of the Li in LLZO (the leaf) and of the crack (d &gt; ½) [m], mirrored
    /// across the symmetry faces: thickness along the cleavage normal, width and height in its plane.</summary>
    double LeafThicknessM = double.NaN,
    double LeafWidthM = double.NaN,
    double LeafHeightM = double.NaN,
    double CrackThicknessM = double.NaN,
    double CrackWidthM = double.NaN,
    double CrackHeightM = double.NaN,
    /// <summary>Li creep flow ([mechanics] li_creep): the largest |Δξ| the last step's flow gave a cell, and
    /// the CG iterations of its implicit pressure solve, and the Li it took in from the electrodes through
    /// open crack mouths [m³/s] (negative: vented into them; li_creep_electrodes).</summary>
    double LiFlowMaxChange = double.NaN,
    int LiFlowIterations = 0,
    double LiFlowElectrodeInflowM3PerS = double.NaN,
    /// <summary>Coupled mechanics: the mean pressure −tr σ/3 over the Li-bearing LLZO cells (ξ &gt; ½) [Pa]
    /// (converges in h where the largest cell's does not).</summary>
    double MeanLiPressurePa = double.NaN)
{
    public const string CsvHeader =
        "step,time_s,dt_s,cell_voltage_V,applied_current_A,negative_current_A,positive_current_A," +
        "negative_li_volume_m3,total_li_volume_m3,tip_height_m,tip_velocity_m_per_s," +
        "tip_current_density_A_per_m2,tip_current_density_from_velocity_A_per_m2,nominal_current_density_A_per_m2," +
        "newton_iterations,linear_iterations,linear_residual," +
        "isolated_bodies,body2_centre_z_m,body2_li_volume_m3,body2_current_A,body2_potential_V," +
        "max_li_pressure_Pa,crack_area_m2,stagger_iterations,max_damage_change," +
        "leaf_thickness_m,leaf_width_m,leaf_height_m,crack_thickness_m,crack_width_m,crack_height_m," +
        "li_flow_max_dxi,li_flow_iterations,li_flow_electrode_inflow_m3_per_s,mean_li_pressure_Pa";

    public string ToCsv(IFormatProvider f) => string.Join(",",
        Step.ToString(f), R(TimeS), R(DtS), R(CellVoltageV), R(AppliedCurrentA), R(NegativeCurrentA), R(PositiveCurrentA),
        R(NegativeLiVolumeM3), R(TotalLiVolumeM3), R(TipHeightM), R(TipVelocityMPerS), R(TipCurrentDensityAPerM2),
        R(TipCurrentDensityFromVelocityAPerM2), R(NominalCurrentDensityAPerM2), NewtonIterations.ToString(f),
        LinearIterations.ToString(f), R(LinearResidual), IsolatedBodies.ToString(f), R(Body2CentreZM), R(Body2LiVolumeM3),
        R(Body2CurrentA), R(Body2PotentialV), R(MaxLiPressurePa), R(CrackAreaM2), StaggerIterations.ToString(f), R(StepDamageChange),
        R(LeafThicknessM), R(LeafWidthM), R(LeafHeightM), R(CrackThicknessM), R(CrackWidthM), R(CrackHeightM),
        R(LiFlowMaxChange), LiFlowIterations.ToString(f), R(LiFlowElectrodeInflowM3PerS),
        R(MeanLiPressurePa));

    private static string R(double v) => v.ToString("G9", CultureInfo.InvariantCulture);
}
