namespace PhaseFieldLi.Fields;

/// <summary>
/// Every per-cell array of the electrodeposition model, allocated once on the backend.
/// Evolving: ξ (Xi). Solved: φ (Phi, in RT/F) and its galvanostat response φ_B (PhiB).
/// Given/static here: d (Damage), Material. Derived: Label, Rate (∂ξ/∂t), and the operator
/// coefficients σ̂ (Sigma), a (Shift), rhs_A, rhs_B. BodyPotential holds Φ_k per body (in RT/F).
/// </summary>
public sealed class State : IDisposable
{
    public const int MaxBodies = 64;

    public State(IFieldAllocator backend, int cells)
    {
        Xi = backend.Float("xi", cells);
        Phi = backend.Float("phi", cells);
        PhiB = backend.Float("phi_response", cells);
        Damage = backend.Float("damage", cells);
        Rate = backend.Float("rate", cells);
        Sigma = backend.Float("sigma", cells);
        Shift = backend.Float("shift", cells);
        RhsA = backend.Float("rhs_a", cells);
        RhsB = Rate; // shares storage: rhs_B lives only inside SolvePotential, ∂ξ/∂t only after it
        Label = backend.Int("label", cells);
        Material = backend.Int("material", cells);
        BodyPotential = backend.Float("body_potential", MaxBodies);
        LiHistory = backend.Float("li_history", cells);
        Pressure = Damage;
    }

    public Field<float> Xi { get; }
    public Field<float> Phi { get; }
    public Field<float> PhiB { get; }
    public Field<float> Damage { get; }
    public Field<float> Rate { get; }
    public Field<float> Sigma { get; }
    public Field<float> Shift { get; }
    public Field<float> RhsA { get; }
    public Field<float> RhsB { get; }
    /// <summary>
    /// p = −tr σ/3 per cell [E_LLZO] read by the Faradaic term: the mechanics' pressure once coupled
    /// (the electrodeposition model's CoupleMechanics); until then d, with a coupling weight of 0.
    /// </summary>
    public Field<float> Pressure { get; set; }

    /// <summary>The largest ξ each cell has held: where Li has been (the residual-film floor).</summary>
    public Field<float> LiHistory { get; }

    public Field<int> Label { get; }
    public Field<int> Material { get; }
    public Field<float> BodyPotential { get; }

    /// <summary>Number of float and int arrays of one cell each (for the memory budget).</summary>
    public static int FieldsPerCell => 11;

    public void Dispose()
    {
        foreach (var f in new IDisposable[] { Xi, Phi, PhiB, Damage, Rate, Sigma, Shift, RhsA, Label, Material, BodyPotential, LiHistory })
            f.Dispose();
    }
}
