using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;
using static PhaseFieldLi.Kernels.Physics.Interpolation;
using static PhaseFieldLi.Kernels.Physics.Kinetics;

namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Li metal phase field ξ — nonlinear Allen–Cahn with Butler–Volmer kinetics (MODEL.md §3):
///
///   ∂ξ/∂t = m { −L_σ [W g′(ξ) − κ ∇²ξ] − L_η h′(ξ) [exp((1−α)Fη/RT) − exp(−αFη/RT)] }
///   η = Φ_k − φ + V_m p/F   (overpotential of the metal body k that owns the cell; p = −tr σ/3 of
///                            the cell from the mechanics, 0 when mechanics is off: pressure in the
///                            Li resists deposition and caps p at −Fη/V_m, the seed's σ_0,max)
///
/// m restricts every change of ξ to space that exists: 1 in reservoirs, d² in LLZO, 0 in a
/// liquid-electrolyte separator (Li cannot grow through it). It multiplies
/// dissolution too: a smooth m keeps the Newton linearisation of the charge equation smooth (a
/// deposit-only switch made Newton cycle at η ≈ 0). It multiplies the capillary part as well: an
/// ungated κ∇²ξ dragged the diffuse tail of a moving electrode interface into intact LLZO, where the
/// deposition growth strain turned a 1 % change of that tail into ~1 GPa of eigenstress and cracked
/// a layer along the whole interface. What m freezes is the diffuse tail of an interface inside
/// intact LLZO, where no Li can physically be. Cells that belong to no body (label −1) get no Faradaic
/// term. Discretisation: cell-centred 7-point Laplacian, zero-flux outer faces, forward Euler in
/// time (the time step is bounded in Simulation by stability and by max |Δξ|).
///
/// symbol → identifier: ξ xi, φ phi, d damage, Φ_k bodyPotential[label], L_σW RelaxationRate,
/// L_σκ/h² GradientRate, L_η KineticRate; units: see LiPhaseParameters.
/// </summary>
public static class LiPhase
{
    /// <summary>Thin sheets: below this fill a sheet's edge cell strips at a ramp down to 0 (it cannot strip below empty).</summary>
    public const float SheetOnset = 1e-3f;

    /// <summary>Space factor m: 0 in a separator, d² in LLZO (when confined), 1 elsewhere.</summary>
    public static float SpaceFactor(float damage, int material, int confine)
    {
        if (material == Materials.Separator) return 0f;
        if (confine == 0 || material != Materials.Llzo) return 1f;
        return damage * damage;
    }

    /// <summary>7-point Laplacian with zero-flux faces, in units of 1/h².</summary>
    public static float Laplacian<TF>(in GridShape g, in TF f, int idx, int i, int j, int k)
        where TF : struct, IView<float>
    {
        float c = f[idx];
        float sum = 0f;
        if (i > 0) sum += f[idx - 1] - c;
        if (i < g.Nx - 1) sum += f[idx + 1] - c;
        if (j > 0) sum += f[idx - g.Nx] - c;
        if (j < g.Ny - 1) sum += f[idx + g.Nx] - c;
        if (k > 0) sum += f[idx - g.Plane] - c;
        if (k < g.Nz - 1) sum += f[idx + g.Plane] - c;
        return sum;
    }

    /// <summary>
    /// Largest ξ among the face neighbours a sheet edge can come from: all six, or the four in the
    /// cleavage plane when normalAxis is 0, 1 or 2 (zero-flux outer faces: absent neighbours are 0).
    /// </summary>
    public static float EdgeSupply<TF>(in GridShape g, in TF f, int idx, int i, int j, int k, int normalAxis)
        where TF : struct, IView<float>
    {
        float m = 0f;
        if (normalAxis != 0 && i > 0) m = MathF.Max(m, f[idx - 1]);
        if (normalAxis != 0 && i < g.Nx - 1) m = MathF.Max(m, f[idx + 1]);
        if (normalAxis != 1 && j > 0) m = MathF.Max(m, f[idx - g.Nx]);
        if (normalAxis != 1 && j < g.Ny - 1) m = MathF.Max(m, f[idx + g.Nx]);
        if (normalAxis != 2 && k > 0) m = MathF.Max(m, f[idx - g.Plane]);
        if (normalAxis != 2 && k < g.Nz - 1) m = MathF.Max(m, f[idx + g.Plane]);
        return m;
    }

    /// <summary>
    /// Is the cell on the crack's plane: its damage not below either neighbour's along the cleavage
    /// normal (axis; −1: every cell)? The damage band of a crack is ℓ wide, the crack itself a plane:
    /// only the band's ridge holds a sheet, the band's flanks stay ordinary (diffuse) cells.
    /// </summary>
    public static bool OnCrackPlane<TF>(in GridShape g, in TF damage, int idx, int i, int j, int k, int axis)
        where TF : struct, IView<float>
    {
        if (axis < 0) return true;
        int below = Neighbour(g, idx, i, j, k, axis, plus: false), above = Neighbour(g, idx, i, j, k, axis, plus: true);
        float d = damage[idx];
        return !(below >= 0 && damage[below] > d) && !(above >= 0 && damage[above] > d);
    }

    /// <summary>The cell's face neighbour along <paramref name="axis"/> (0, 1, 2), minus or plus, or −1 at the domain's edge.</summary>
    public static int Neighbour(in GridShape g, int idx, int i, int j, int k, int axis, bool plus)
    {
        int along = axis == 0 ? i : axis == 1 ? j : k;
        int length = axis == 0 ? g.Nx : axis == 1 ? g.Ny : g.Nz;
        int stride = axis == 0 ? 1 : axis == 1 ? g.Nx : g.Plane;
        if (plus) return along < length - 1 ? idx + stride : -1;
        return along > 0 ? idx - stride : -1;
    }

    /// <summary>
    /// Does this cell react as a sub-cell sheet (thin_sheets on): on the crack's plane (OnCrackPlane) and,
    /// with SheetNeedsEmptyNeighbours, with no Li (ξ ≤ ½) in its neighbours across the plane. A plane cell
    /// between Li-filled neighbours lies inside a Li body thicker than a cell (a thick flaw's mid-plane):
    /// read as a sheet, it plated on two crack faces that are not there, a reacting area of twice the
    /// body's mid-plane, whose share of the current changed with h (docs/validation.md, the resolution study).
    /// </summary>
    public static bool ReactsAsSheet<TF>(in GridShape g, in TF damage, in TF xi, int idx, int i, int j, int k, in LiPhaseParameters p)
        where TF : struct, IView<float>
    {
        if (p.SheetReactivity <= 0f || !OnCrackPlane(g, damage, idx, i, j, k, p.SheetNormalAxis)) return false;
        int axis = p.SheetNormalAxis;
        if (p.SheetNeedsEmptyNeighbours == 0 || axis < 0) return true;
        int below = Neighbour(g, idx, i, j, k, axis, plus: false), above = Neighbour(g, idx, i, j, k, axis, plus: true);
        return !(below >= 0 && xi[below] > 0.5f) && !(above >= 0 && xi[above] > 0.5f);
    }

    /// <summary>Can this cell hold a sub-cell Li sheet: cracked LLZO (d &gt; ½) on the crack's plane?</summary>
    public static bool IsSheetSite<TF, TI>(in GridShape g, in TF damage, in TI material, int idx, int i, int j, int k, int axis)
        where TF : struct, IView<float> where TI : struct, IView<int> =>
        material[idx] == Materials.Llzo && damage[idx] > 0.5f && OnCrackPlane(g, damage, idx, i, j, k, axis);

    /// <summary>Is this cell cracked LLZO read as a sub-cell Li sheet (thin_sheets on, d &gt; ½, on the crack's plane)?</summary>
    public static bool IsSheetCell(float damage, int material, bool onCrackPlane, in LiPhaseParameters p) =>
        p.SheetReactivity > 0f && material == Materials.Llzo && damage > 0.5f && onCrackPlane;

    /// <summary>∂ξ/∂t at one cell without a sheet edge next to it (see the overload).</summary>
    public static float Rate(float xi, float laplacianXi, float damage, int material, int label,
        float bodyPotential, float phi, float pressure, in LiPhaseParameters p, out float dRateDPhi) =>
        Rate(xi, laplacianXi, 0f, true, damage, material, label, bodyPotential, phi, pressure, p, out dRateDPhi);

    /// <summary>
    /// ∂ξ/∂t at one cell and its derivative with respect to φ (for the Newton-linearised charge
    /// equation). The capillary part does not depend on φ. edgeFill = EdgeSupply and onCrackPlane =
    /// ReactsAsSheet, read only with thin sheets (IsSheetCell, SheetReactivityAt).
    /// </summary>
    public static float Rate(float xi, float laplacianXi, float edgeFill, bool onCrackPlane, float damage, int material, int label,
        float bodyPotential, float phi, float pressure, in LiPhaseParameters p, out float dRateDPhi)
    {
        dRateDPhi = 0f;
        if (Materials.IsCollector(material)) return 0f; // the foil behind the electrode: ξ ≡ 1
        float m = SpaceFactor(damage, material, p.Confine);
        // Thin sheets: in cracked LLZO, ξ is the Li volume fraction of a sheet thinner than the
        // cell — no double well or gradient term; its faces or its edge react (SheetReactivityAt).
        bool sheet = IsSheetCell(damage, material, onCrackPlane, p);
        float capillary = sheet ? 0f : m * (-p.RelaxationRate * GPrime(xi) + p.GradientRate * laplacianXi);
        if (label < 0) return capillary;

        float eta = bodyPotential - phi + p.PressurePotential * pressure;
        float bv = ButlerVolmer(eta, p.Alpha);
        float reactivity = sheet ? SheetReactivityAt(xi, edgeFill, bv < 0f, p) : HPrime(xi);
        float k = p.KineticRate * m * reactivity;
        dRateDPhi = k * ButlerVolmerSlope(eta, p.Alpha);
        return capillary - k * bv;
    }

    /// <summary>
    /// Reaction factor of a thin-sheet cell (cracked LLZO, thin_sheets on), in place of h′(ξ).
    /// A sheet of edge thickness t_s = ξ_s h covers its cell once ξ ≥ ξ_s:
    ///   covered (ξ ≥ ξ_s): both crack faces react, 6δ/h (1 − ξ) — the sheet thickens or thins at
    ///     2 j V_m/F (the diffuse front's ∫h′ = 3δ per face);
    ///   edge (ξ &lt; ξ_s): only the sheet's edge, of area t_s·h, reacts: 3δ/h · ξ_s, so the cell fills
    ///     in h F/(j V_m) and the edge advances at v = j V_m/F (the seed's eq. 1). It plates only when
    ///     a face neighbour in the cleavage plane is covered (edgeFill ≥ ξ_s) — an edge grows out of a
    ///     covered cell, one cell at a time — and strips with a ramp below SheetOnset (it cannot strip
    ///     below empty).
    /// The edge cell's faces are left out while it fills (its thickening during one crossing is
    /// neglected against the edge's advance).
    /// </summary>
    public static float SheetReactivityAt(float xi, float edgeFill, bool depositing, in LiPhaseParameters p)
    {
        float s = p.SheetEdgeFill;
        if (xi >= s) return xi < 1f ? p.SheetReactivity * (1f - xi) : 0f; // (an over-full cell neither plates nor strips by its faces)
        float edge = 0.5f * p.SheetReactivity * s;
        if (depositing) return edgeFill >= s ? edge : 0f;
        return xi < SheetOnset ? edge * xi / SheetOnset : edge;
    }
}

/// <summary>rate = ∂ξ/∂t [1/s] at the current φ and body potentials.</summary>
public struct LiPhaseRateRule<TF, TI> : IGridRule
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Grid;
    public TF Xi, Phi, Damage, BodyPotential, Rate;
    /// <summary>p = −tr σ/3 per cell [E_LLZO], weighted by P.PressurePotential (0: any field).</summary>
    public TF Pressure;
    public TI Label, Material;
    public LiPhaseParameters P;

    public void Apply(int idx)
    {
        Grid.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        int label = Label[idx];
        float potential = label >= 0 ? BodyPotential[label] : 0f;
        float edgeFill = P.SheetReactivity > 0f ? LiPhase.EdgeSupply(Grid, Xi, idx, i, j, k, P.SheetNormalAxis) : 0f;
        bool plane = LiPhase.ReactsAsSheet(Grid, Damage, Xi, idx, i, j, k, P);
        Rate[idx] = LiPhase.Rate(Xi[idx], LiPhase.Laplacian(Grid, Xi, idx, i, j, k), edgeFill, plane, Damage[idx],
            Material[idx], label, potential, Phi[idx], Pressure[idx], P, out _);
    }
}

/// <summary>
/// ξ ← clamp(ξ + Δt·rate, 0, max(1, ξ)); collectors stay 1. Residual film (MODEL.md: h′(0) = 0 forbids
/// re-plating where ξ = 0): in LLZO cells that once held Li (History &gt; ½), ξ ≥ ξ_f = FilmFloor.
/// History ← max(History, min(ξ, 1)).
/// A sheet cell the creep flow left over-full (ξ &gt; 1: Li compressed at K̂(ξ − 1), LiFlow.SheetPressure)
/// keeps its excess: the phase-field step cannot add to it, and does not clip it — the flow pushes it
/// out in its next step. Clipping it to 1 here lost the flow's Li: 3.0 × 10⁻⁵ of all the leaf case's Li
/// (electrodes included) in its last 100 s with creep (docs/validation.md), and its checkpoint then
/// held ξ = 1.0007, which --resume refused.
/// </summary>
public struct AdvanceLiPhaseRule<TF, TI> : ICellRule
    where TF : struct, IView<float> where TI : struct, IView<int>
{
    public TF Xi, Rate, History;
    public TI Material;
    public float Dt, FilmFloor;

    public void Apply(int idx)
    {
        int material = Material[idx];
        float old = Xi[idx];
        float xi = Materials.IsCollector(material) ? 1f : Clamp(old + Dt * Rate[idx], 0f, old > 1f ? old : 1f);
        float seen = History[idx];
        if (FilmFloor > 0f && material == Materials.Llzo && seen > 0.5f && xi < FilmFloor) xi = FilmFloor;
        Xi[idx] = xi;
        if (xi > seen) History[idx] = xi < 1f ? xi : 1f;
    }
}

/// <summary>Key for the maximum |∂ξ/∂t| (non-negative float bits order like the floats).</summary>
public struct MaxAbsRule<TF> : ICellMax where TF : struct, IView<float>
{
    public TF Field;

    public long Key(int idx) => ILGPU.Interop.FloatAsInt(MathF.Abs(Field[idx]));
}
