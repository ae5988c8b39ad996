using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Creep flow of a sub-cell Li sheet along its crack (thin-film lubrication of a power-law solid).
///
/// Li creeps by power law (Norton): ε̇_eq = A′ σ_eq^n with A′ = A exp(−Q/RT). In simple shear
/// (von Mises: γ̇ = √3 ε̇_eq, τ = σ_eq/√3) that is γ̇ = 3^((n+1)/2) A′ τ^n. Between the two faces of a
/// crack open by w, under a pressure gradient G = −∂p/∂x along the crack, the shear stress is τ = G y
/// (y from the mid-plane), and plane Poiseuille flow of that fluid carries, per unit width,
///
///     q = 3^((n+1)/2) A′ |G|^(n−1) G w^(n+2) / (2^(n+1) (n + 2))        [m²/s]
///
/// (n = 1, A′ = 1/(3μ): q = G w³/(12μ), the Newtonian slot). The sheet's thickness is w = ξh (the
/// thin-sheet reading of ξ in a cracked cell on the crack's plane), and the Li volume in a cell is ξh³,
/// so a face of width h carrying q changes ξ at q h / h³:
///
///     ∂ξ_i/∂t = −Σ_faces q_f / h² = −C Σ_faces ξ_d^(n+2) |Δp̂|^(n−1) Δp̂,
///     C = 3^((n+1)/2) A′ p_ref^n / (2^(n+1) (n + 2))  [1/s],  Δp̂ = (p_i − p_j)/p_ref
///
/// (h cancels: q ∝ w^(n+2) (Δp/h)^n and w = ξh). Faces are the cell's in-plane neighbours (not along
/// the cleavage normal), both sheet sites; ξ_d is the donor's (upwind: the higher-pressure cell's)
/// ξ, so Li flows into an empty crack cell from a filled one; an empty cell (ξ below the sheet's
/// onset) has p = 0 (nothing presses back). Conservation: each face's flux is computed from the same
/// operands in both its cells (fl(a − b) = −fl(b − a)), so it leaves one exactly as it enters the other.
/// Positivity: in a step Δt a cell can give at most the Li it holds; its outflows are scaled by
/// λ_i = min(1, ξ_i / (Δt Σ out)), and a face's flux carries its donor's λ in both cells.
/// </summary>
public static class LiFlow
{
    /// <summary>Largest Δt K̂ m_f of a face in the implicit step (faster relaxation counts as instantaneous).</summary>
    public const float StiffRelaxation = 1000f;

    /// <summary>
    /// Signed flux from cell a to cell b through their shared face, as ∂ξ/∂t [1/s] of a (positive: a
    /// loses): C ξ_d^(n+2) |Δp̂|^n with the sign of Δp̂ = p̂_a − p̂_b, ξ_d the donor's ξ.
    /// </summary>
    public static float FaceFlux(float xiA, float pA, float xiB, float pB, in LiFlowParameters p)
    {
        float dp = pA - pB;
        if (dp == 0f) return 0f;
        float donor = dp > 0f ? xiA : xiB;
        if (donor <= 0f) return 0f;
        float magnitude = p.YieldShear > 0f ? YieldingSlot(donor, MathF.Abs(dp), p)
            : p.Rate * MathF.Exp((p.Exponent + 2f) * MathF.Log(donor) + p.Exponent * MathF.Log(MathF.Abs(dp)));
        return dp > 0f ? magnitude : -magnitude;
    }

    /// <summary>
    /// |∂ξ/∂t| [1/s] of a face whose Li flows only above a shear yield τ_y (overstress creep,
    /// γ̇ = k (τ − τ_y)^n, k = 3^((n+1)/2) A′): a plug of half-width y₀ = τ_y/G rides between two sheared
    /// layers, and per unit width q = 2k [y₀ T^(n+1)/(G(n+1)) + T^(n+2)/(G²(n+2))], T = Gw/2 − τ_y the
    /// wall's excess shear. With G = |Δp|/h and w = ξh, h cancels again:
    ///
    ///     ∂ξ/∂t = 2k̂ T̂^(n+1) (τ̂_y/(n+1) + T̂/(n+2)) / Δp̂²,   T̂ = ξ_d |Δp̂|/2 − τ̂_y  (0 where T̂ ≤ 0)
    ///
    /// (τ_y = 0: C ξ_d^(n+2) |Δp̂|^n, the face of <see cref="FaceFlux"/>).
    /// </summary>
    public static float YieldingSlot(float donor, float absDp, in LiFlowParameters p)
    {
        float excess = 0.5f * donor * absDp - p.YieldShear;
        if (excess <= 0f) return 0f;
        float n = p.Exponent;
        return p.SlotRate * MathF.Exp((n + 1f) * MathF.Log(excess) - 2f * MathF.Log(absDp))
               * (p.YieldShear / (n + 1f) + excess / (n + 2f));
    }

    /// <summary>
    /// The face's mobility, m = C ξ_d^(n+2) |Δp̂|^(n−1) [1/s per p_ref], so that the flux of
    /// <see cref="FaceFlux"/> is m Δp̂: the coefficient of the implicit step, taken at the step's start.
    /// Symmetric in a and b to the bit (the same |Δp̂| and donor from either side).
    /// </summary>
    public static float FaceMobility(float xiA, float pA, float xiB, float pB, in LiFlowParameters p)
    {
        float dp = pA - pB;
        if (dp == 0f) return 0f;
        float donor = dp > 0f ? xiA : xiB;
        if (donor <= 0f) return 0f;
        if (p.YieldShear > 0f) return YieldingSlot(donor, MathF.Abs(dp), p) / MathF.Abs(dp);
        return p.Rate * MathF.Exp((p.Exponent + 2f) * MathF.Log(donor) + (p.Exponent - 1f) * MathF.Log(MathF.Abs(dp)));
    }

    /// <summary>The sheet's pressure as the flow sees it [p_ref]: the cell's pressure where it holds a sheet, else 0.</summary>
    public static float SheetPressure(float xi, float pressure, in LiFlowParameters p) => xi >= p.SheetOnset ? pressure * p.PressureScale : 0f;

    /// <summary>
    /// The sheet's pressure at the implicit step's start [p_ref]: the last mechanics solve's, plus K̂ Δξ_dep
    /// for the Li the phase-field step just deposited (Δξ_dep = Δt ∂ξ/∂t, at most the ξ the cell now holds
    /// and no more than it could have lost), compressed by crack walls held still as in the step itself.
    /// Without it the step saw the Li at its last mechanics solve: the Li deposited in a step reached the
    /// flow only a step later, so a sheet fed at ∂ξ/∂t held K̂ Δt ∂ξ/∂t above its neighbours' and its mouth's
    /// pressure, a splitting error proportional to Δt.
    /// </summary>
    public static float SheetPressure(float xi, float pressure, float deposited, in LiFlowParameters p) =>
        xi >= p.SheetOnset ? pressure * p.PressureScale + p.Stiffness * MathF.Min(MathF.Max(deposited, xi - 1f), xi) : 0f;

    /// <summary>
    /// The flux (as in <see cref="FaceFlux"/>) from sheet site idx through its in-plane face number
    /// <paramref name="face"/>, and that neighbour (n = −1 and 0 flux at the domain's edge or where the
    /// neighbour is no sheet site).
    /// </summary>
    public static float FluxThroughFace<TF, TI>(in GridShape g, in TF xi, in TF pressure, in TF damage, in TI material, int idx, int i, int j, int k,
        int face, in LiFlowParameters p, out int n)
        where TF : struct, IView<float> where TI : struct, IView<int>
    {
        n = InPlaneNeighbour(g, idx, i, j, k, p.NormalAxis, face);
        if (n < 0) return 0f;
        g.Decompose(n, out int ni, out int nj, out int nk);
        if (!LiPhase.IsSheetSite(g, damage, material, n, ni, nj, nk, p.NormalAxis))
        {
            n = -1;
            return 0f;
        }
        return FaceFlux(xi[idx], SheetPressure(xi[idx], pressure[idx], p), xi[n], SheetPressure(xi[n], pressure[n], p), p);
    }

    /// <summary>
    /// The cell's neighbour in the crack plane number <paramref name="face"/> (0–3; the two axes other
    /// than the normal, minus then plus), or −1 at the domain's edge (zero flux).
    /// </summary>
    public static int InPlaneNeighbour(in GridShape g, int idx, int i, int j, int k, int normalAxis, int face)
    {
        int axis = normalAxis == 0 ? 1 + face / 2 : normalAxis == 1 ? (face < 2 ? 0 : 2) : face / 2;
        return LiPhase.Neighbour(g, idx, i, j, k, axis, plus: (face & 1) == 1);
    }

    /// <summary>
    /// Is this cell an electrode's Li, which a crack's mouth opens onto (<see cref="LiFlowParameters.OpenToElectrodes"/>):
    /// the growth room's metal (material Reservoir, ξ &gt; ½), connected through the electrode to its collector.
    /// </summary>
    public static bool IsElectrodeLi(float xi, int material) => material == Materials.Reservoir && xi > 0.5f;
}

/// <summary>The Li sheet's creep flow in kernel units (see <see cref="LiFlow"/>).</summary>
public struct LiFlowParameters
{
    /// <summary>C = 3^((n+1)/2) A′ p_ref^n / (2^(n+1)(n+2)) [1/s].</summary>
    public float Rate;
    /// <summary>n, the creep law's stress exponent.</summary>
    public float Exponent;
    /// <summary>Pressure field unit / p_ref (the mechanics' stress unit E_LLZO over p_ref = 1 MPa).</summary>
    public float PressureScale;
    /// <summary>ξ above which a cell holds a sheet that presses (below it the crack is empty: p = 0).</summary>
    public float SheetOnset;
    /// <summary>The cleavage normal (0, 1, 2): the sheet flows in the plane normal to it.</summary>
    public int NormalAxis;
    /// <summary>
    /// K̂ = K_Li / p_ref: how fast a sheet cell's pressure rises with the Li it gains within a step
    /// (dp̂/dξ, Li's bulk modulus: the sheet compressed in a crack that does not open further within the
    /// step; the next mechanics solve lets the crack respond).
    /// </summary>
    public float Stiffness;
    /// <summary>
    /// 1: a sheet site's in-plane face onto an electrode's Li (<see cref="LiFlow.IsElectrodeLi"/>) carries
    /// flow too (the crack's mouth), the electrode a reservoir at its own pressure; 0: sheets flow only
    /// among themselves.
    /// </summary>
    public int OpenToElectrodes;
    /// <summary>τ̂_y = τ_y/p_ref: the shear stress below which Li does not flow (0: pure power-law creep).</summary>
    public float YieldShear;
    /// <summary>2k̂ = 2 · 3^((n+1)/2) A′ p_ref^n [1/s], the yielding slot's rate (<see cref="LiFlow.YieldingSlot"/>).</summary>
    public float SlotRate;
}

/// <summary>
/// One pass of a flow step over the sheet sites (0 elsewhere):
/// - <see cref="Pass"/> 0: Limit = λ_i = min(1, ξ_i / (Δt Σ outflows)), the fraction of its outflows a
///   cell can give in Δt without going below empty (1 off sheet sites);
/// - pass 1 (after the neighbours' λ are in place): FlowRate = ∂ξ/∂t of the creep flow,
///   −Σ_faces F_f λ_donor: the Li a face carries leaves its donor exactly as it enters the other cell.
/// </summary>
public struct LiFlowRule<TF, TI> : IGridRule
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi, Pressure, Damage, Limit, FlowRate;
    public TI Material;
    public LiFlowParameters P;
    public float Dt;
    public int Pass;

    public void Apply(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        bool site = LiPhase.IsSheetSite(Grid, Damage, Material, idx, i, j, k, P.NormalAxis);
        float outflow = 0f, rate = 0f;
        for (int face = 0; site && face < 4; face++)
        {
            float flux = LiFlow.FluxThroughFace(Grid, Xi, Pressure, Damage, Material, idx, i, j, k, face, P, out int n);
            if (n < 0) continue;
            outflow += MathF.Max(flux, 0f);
            if (Pass == 1) rate -= flux * (flux > 0f ? Limit[idx] : Limit[n]);
        }
        if (Pass == 0) Limit[idx] = outflow * Dt > Xi[idx] ? Xi[idx] / (outflow * Dt) : 1f;
        else FlowRate[idx] = rate;
    }
}

/// <summary>
/// Writes the implicit step's starting pressure p̂⁰ [p_ref]: on sheet sites the sheet's pressure with the
/// Li deposited since the last mechanics solve (<see cref="LiFlow.SheetPressure(float, float, float, in LiFlowParameters)"/>,
/// Δξ_dep = Dt · DepositionRate), on an electrode's Li where the mouths are open the Li's pressure (the
/// reservoir's, fixed over a step), 0 elsewhere.
/// </summary>
public struct LiSheetPressureRule<TF, TI> : IGridRule
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi, Pressure, DepositionRate, Damage, SheetPressure;
    public TI Material;
    public LiFlowParameters P;
    /// <summary>The phase-field step just taken [time unit of DepositionRate]; 0: no deposition since the mechanics.</summary>
    public float Dt;

    public void Apply(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k) =>
        SheetPressure[idx] = LiPhase.IsSheetSite(Grid, Damage, Material, idx, i, j, k, P.NormalAxis)
            ? LiFlow.SheetPressure(Xi[idx], Pressure[idx], Dt * DepositionRate[idx], P)
            : P.OpenToElectrodes != 0 && LiFlow.IsElectrodeLi(Xi[idx], Material[idx]) ? Pressure[idx] * P.PressureScale
            : 0f;
}

/// <summary>What one launch of <see cref="LiFlowImplicitRule{TF,TI}"/> computes.</summary>
public enum LiFlowImplicitPass
{
    /// <summary>Y = A X, the implicit step's operator.</summary>
    Apply,
    /// <summary>Y = 1 / diag A (the Jacobi preconditioner).</summary>
    InverseDiagonal,
    /// <summary>Limit = λ_i = min(1, ξ_i / Σ outflows of the step), X the end-of-step pressure p̂¹.</summary>
    Limit,
    /// <summary>
    /// Y = λ_i = min(1, (ξ_i + Σ inflows λ_donor) / Σ outflows) with the donors' λ from Limit, X = p̂¹: a
    /// cell that passes on Li it receives (a conduit) need not be limited by what it held.
    /// </summary>
    Relimit,
    /// <summary>Y = ∂ξ/∂t of the step, −Σ_f m_f (p̂¹_i − p̂¹_j) λ_donor, X = p̂¹.</summary>
    Rate,
    /// <summary>Y = b, the right-hand side p̂⁰_i + Δt K̂ Σ_mouths m_e p̂_e, X = p̂⁰ (open mouths only).</summary>
    RightHandSide,
}

/// <summary>
/// The implicit creep step (backward Euler in the pressure, mobility lagged at the step's start). The
/// unknowns are the sheet pressures p̂¹ at the step's end; a sheet cell's pressure rises by K̂ per unit
/// of ξ it gains (K̂ = K_Li/p_ref, <see cref="LiFlowParameters.Stiffness"/>), so that
/// ξ¹_i − ξ⁰_i = (p̂¹_i − p̂⁰_i)/K̂ = −Δt Σ_f m_f (p̂¹_i − p̂¹_j) on sheet sites, i.e.
///
///     p̂¹_i + Δt K̂ Σ_f m_f (p̂¹_i − p̂¹_j) = p̂⁰_i,      m_f = C ξ_d^(n+2) |Δp̂⁰|^(n−1)
///
/// (identity rows off sheet sites). The matrix is symmetric positive definite (m_f ≥ 0, symmetric to
/// the bit), so CG solves it; it is stable for any Δt: as Δt m_f K̂ grows the pressures of a connected
/// sheet equalise instead of overshooting. A face whose pressure difference relaxes much faster than
/// the step (Δt K̂ m_f above <see cref="LiFlow.StiffRelaxation"/>) has its mobility capped there: the
/// difference still falls to 1/(1 + 2·10³) of its start within the step (equalised, as it would be), but
/// the matrix stays conditioned for float CG and the fluxes, m_f times a difference near zero, accurate.
/// The Li then moves as the face fluxes Δt m_f (p̂¹_a − p̂¹_b), each computed from the same operands in both its cells (exactly conservative whatever the solve's
/// residual) and limited so that no cell goes below empty: first, like the explicit step, by what it
/// holds (λ⁰ = min(1, ξ/out)); then, twice, by what it holds plus what it receives from its donors at
/// their λ (pass Relimit). Each pass can only raise λ (the inflows it counts grow), so every pass's λ is
/// safe: ξ + Σ in λ_donor − λ out ≥ 0. Without the second kind, a cell that passes Li on (a conduit:
/// the cells at a crack's mouth carry the crack's vent) had its outflow cut to what it held while its
/// inflows ran in full, and gained Li it should have passed on.
///
/// With open mouths (<see cref="LiFlowParameters.OpenToElectrodes"/>) a sheet site's face onto an
/// electrode's Li adds m_e (p̂¹_i − p̂_e) to its row, p̂_e the electrode's pressure held over the step:
/// m_e joins the diagonal and Δt K̂ m_e p̂_e the right-hand side (pass RightHandSide). The explicit
/// <see cref="LiFlowRule{TF,TI}"/> (the stiffness estimate) leaves the mouths out.
/// </summary>
public struct LiFlowImplicitRule<TF, TI> : IGridRule
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    /// <summary>ξ and the sheet pressure p̂⁰ at the step's start (the mobilities), d (which cells are sheet sites).</summary>
    public TF Xi, P0, Damage;
    public TF X, Y, Limit;
    public TI Material;
    public LiFlowParameters P;
    public float Dt;
    public LiFlowImplicitPass Pass;

    public void Apply(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        bool site = LiPhase.IsSheetSite(Grid, Damage, Material, idx, i, j, k, P.NormalAxis);
        float sum = 0f, outflow = 0f, inflow = 0f, rate = 0f;
        float cap = LiFlow.StiffRelaxation / (Dt * P.Stiffness);
        for (int face = 0; site && face < 4; face++)
        {
            int n = LiFlow.InPlaneNeighbour(Grid, idx, i, j, k, P.NormalAxis, face);
            if (n < 0) continue;
            Grid.Decompose(n, out int ni, out int nj, out int nk);
            if (!LiPhase.IsSheetSite(Grid, Damage, Material, n, ni, nj, nk, P.NormalAxis))
            {
                if (P.OpenToElectrodes != 0 && LiFlow.IsElectrodeLi(Xi[n], Material[n])) Mouth(idx, n, cap, ref sum, ref outflow, ref inflow, ref rate);
                continue;
            }
            if (Pass == LiFlowImplicitPass.RightHandSide) continue;
            float m = MathF.Min(LiFlow.FaceMobility(Xi[idx], P0[idx], Xi[n], P0[n], P), cap);
            if (Pass == LiFlowImplicitPass.Apply) sum += m * (X[idx] - X[n]);
            else if (Pass == LiFlowImplicitPass.InverseDiagonal) sum += m;
            else
            {
                float flux = Dt * m * (X[idx] - X[n]); // ξ this face takes from idx over the step
                outflow += MathF.Max(flux, 0f);
                if (Pass == LiFlowImplicitPass.Relimit && flux < 0f) inflow -= flux * Limit[n];
                if (Pass == LiFlowImplicitPass.Rate) rate -= m * (X[idx] - X[n]) * (flux > 0f ? Limit[idx] : Limit[n]);
            }
        }
        float s = Dt * P.Stiffness;
        if (Pass == LiFlowImplicitPass.Apply || Pass == LiFlowImplicitPass.RightHandSide) Y[idx] = X[idx] + s * sum;
        else if (Pass == LiFlowImplicitPass.InverseDiagonal) Y[idx] = 1f / (1f + s * sum);
        else if (Pass == LiFlowImplicitPass.Limit) Limit[idx] = outflow > Xi[idx] ? Xi[idx] / outflow : 1f;
        else if (Pass == LiFlowImplicitPass.Relimit) Y[idx] = outflow > Xi[idx] + inflow ? (Xi[idx] + inflow) / outflow : 1f;
        else Y[idx] = rate;
    }

    /// <summary>
    /// A crack's mouth: the face from sheet site idx onto the electrode's Li e, a reservoir held at its
    /// pressure p̂_e = P0[e] over the step (Dirichlet: its term m_e p̂_e moves to the right-hand side, so
    /// the matrix stays symmetric). The conduit is the crack's slot, so the mobility takes the sheet's ξ
    /// whichever way Li goes; the reservoir gives without limit, and what it gains or gives is not put
    /// into its ξ (the electrode's bulk and its collector take it up: LiCreepFlow counts it).
    /// </summary>
    private readonly void Mouth(int idx, int e, float cap, ref float sum, ref float outflow, ref float inflow, ref float rate)
    {
        float m = MathF.Min(LiFlow.FaceMobility(Xi[idx], P0[idx], Xi[idx], P0[e], P), cap);
        if (Pass == LiFlowImplicitPass.Apply) sum += m * X[idx];
        else if (Pass == LiFlowImplicitPass.InverseDiagonal) sum += m;
        else if (Pass == LiFlowImplicitPass.RightHandSide) sum += m * P0[e];
        else
        {
            float flux = Dt * m * (X[idx] - P0[e]); // ξ the mouth takes from idx over the step
            outflow += MathF.Max(flux, 0f);
            inflow += MathF.Max(-flux, 0f);
            if (Pass == LiFlowImplicitPass.Rate) rate -= m * (X[idx] - P0[e]) * (flux > 0f ? Limit[idx] : 1f);
        }
    }
}
