namespace PhaseFieldLi.Fields;

/// <summary>
/// The electrodeposition model's state as plain host arrays (a rank's slab with its ghost planes):
/// what a checkpoint holds and a resume puts back (the models' Save and Restore). ξ, φ, φ_B, d, the Li history, labels, material, Φ_k
/// per body (RT/F), each isolated body's Σξ reference and the last time step [s].
/// </summary>
public sealed record ElectrochemistryFields(float[] Xi, float[] Phi, float[] PhiResponse, float[] Damage, float[] LiHistory,
    int[] Label, int[] Material, float[] BodyPotential, double[] BodyMassReference, double LastStepS);

/// <summary>
/// The mechanics state of a coupled run as plain host arrays: u (the CG start of the next solve), the
/// history H, ξ₀ of the growth strain, and the stress fields the next potential solve and the output read.
/// </summary>
public sealed record MechanicsFields(float[] Displacement, float[] History, float[] InitialXi, float[] Pressure,
    float[] VonMises, float[] EnergyDensity);
