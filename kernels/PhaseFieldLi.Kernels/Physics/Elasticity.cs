using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Launch;

namespace PhaseFieldLi.Kernels.Physics;

/// <summary>
/// Kernel units of the mechanics: length h, stress E_LLZO. Lamé constants of intact LLZO and of Li,
/// the residual stiffness k of fully cracked LLZO, the pressure in open crack space (Sneddon's p,
/// acting where d is), and the deposition growth strain: Li plated into the LLZO (a crack) since the
/// start, e = max(0, ξ − ξ₀), opens the crack by its own thickness, ε* = e·Growth·M⊗M with M the
/// cleavage normal (axis CleavageAxis); Growth = 0 switches it off. Split picks the tensile energy
/// that drives the damage: 0 = volumetric–deviatoric (Amor), 1 = spectral (Miehe).
/// </summary>
public readonly record struct MechanicsParameters(float LambdaLlzo, float MuLlzo, float LambdaLi, float MuLi,
    float ResidualStiffness, float CrackPressure, float Growth = 0f, int CleavageAxis = 2, int Split = 0)
{
    public const int VolumetricDeviatoric = 0;
    public const int Spectral = 1;
}

/// <summary>
/// Outer faces of the box for the displacement u (kernel units). The three low faces are symmetry
/// planes (rollers: the normal component is 0), which removes the rigid-body modes and lets the body
/// expand freely sideways; a penny crack centred on the x = 0, y = 0 axis in the z = 0 plane is then
/// modelled by one octant. The high x and y faces are traction-free. The high z face carries a normal
/// traction (TopKind = 0, TopValue in E_LLZO, negative = compressive stack pressure) or a prescribed
/// normal displacement (TopKind = 1, TopValue in h). PlaneStrain = 1 puts a roller on the high y face
/// too (u_y = 0 on both y faces: a slab of any thickness in plane strain, for x–z problems).
/// </summary>
public readonly record struct ElasticBoundary(int TopKind, float TopValue, int PlaneStrain = 0)
{
    public const int Traction = 0;
    public const int Displacement = 1;
}

/// <summary>
/// Small-strain, quasi-static linear elasticity (MODEL.md §3, "Mechanics"):
///
///   ∇·σ = 0,   σ = C(ξ, d) : ε(u) − P I,   C = [(1−d)² + k](1 − h(ξ)) C_LLZO + h(ξ) C_Li,
///
/// discretised with trilinear (Q1) finite elements on the voxel grid: the cells are the elements,
/// the displacement lives on the (Nx+1)(Ny+1)(Nz+1) cell corners, stored as one array of 3·nodes
/// (u_x of every node, then u_y, then u_z). Element integrals use 2×2×2 Gauss points (exact for Q1
/// on a cube). P is an isotropic eigen-pressure per element (here the crack pressure p·d, the
/// virtual work of p on the opening volume ∫ d ∇·u dV); it moves to the right-hand side as
/// f_a = P ∫_e ∇N_a dV. Kernels never add into a node that another thread touches: element kernels
/// run in 8 colour passes, (i mod 2, j mod 2, k mod 2), so elements of one colour share no node.
/// </summary>
public static class Mechanics
{
    /// <summary>
    /// Largest c·H the damage equation uses: d = cH/(1 + cH) is 0.9999 there already. Inside a fully
    /// cracked cell ψ⁺ of the undegraded LLZO reaches 1e17 J/m³ (the strain of a cell of stiffness k);
    /// uncapped, such cells would dominate the damage system by 13 orders of magnitude.
    /// </summary>
    public const float MaxDamageDrive = 1e4f;

    /// <summary>Gauss coordinate ±1/√3 on the reference cube [−1, 1]³.</summary>
    public static float Gauss(int bit) => bit == 0 ? -0.577350269f : 0.577350269f;

    /// <summary>Element colour (0…7) of cell (i, j, k).</summary>
    public static int Colour(int i, int j, int k) => (i & 1) | ((j & 1) << 1) | ((k & 1) << 2);

    /// <summary>Linear node index of local corner a (bits x, y, z) of the element whose lowest corner is node n0.</summary>
    public static int Corner(in GridShape nodes, int n0, int a) => n0 + (a & 1) + ((a >> 1) & 1) * nodes.Nx + (a >> 2) * nodes.Plane;

    /// <summary>∇N_a at reference point (gx, gy, gz) for h = 1: ∂N_a/∂x = ¼ s_x (1 + s_y g_y)(1 + s_z g_z), ….</summary>
    public static void ShapeGradient(int a, float gx, float gy, float gz, out float dx, out float dy, out float dz)
    {
        float sx = (a & 1) != 0 ? 1f : -1f, sy = (a & 2) != 0 ? 1f : -1f, sz = (a & 4) != 0 ? 1f : -1f;
        float fx = 1f + sx * gx, fy = 1f + sy * gy, fz = 1f + sz * gz;
        dx = 0.25f * sx * fy * fz;
        dy = 0.25f * sy * fx * fz;
        dz = 0.25f * sz * fx * fy;
    }

    /// <summary>Growth strain e of an element (ε* = e M⊗M): Li plated into LLZO since the start.</summary>
    public static float Growth(float xi, float xi0, int material, in MechanicsParameters p)
    {
        if (p.Growth == 0f || material != Materials.Llzo) return 0f;
        float e = xi - xi0;
        return e > 0f ? p.Growth * e : 0f;
    }

    /// <summary>
    /// Tensile part ψ⁺ of the intact LLZO's strain energy for strain ε (engineering shear halves given
    /// as exy, exz, eyz). Volumetric–deviatoric (Amor 2009): ψ⁺ = ½K⟨tr ε⟩₊² + μ ε_d:ε_d — all shear
    /// drives cracking, also under compression. Spectral (Miehe 2010): ψ⁺ = ½λ⟨tr ε⟩₊² + μ Σ⟨ε_i⟩₊², ε_i
    /// the principal strains (closed-form eigenvalues of the symmetric 3 × 3 strain): a solid
    /// compressed along one axis and free or confined along the others has little or no ψ⁺.
    /// </summary>
    public static float TensileEnergy(float exx, float eyy, float ezz, float exy, float exz, float eyz, in MechanicsParameters p)
    {
        float tr = exx + eyy + ezz;
        float positive = tr > 0f ? tr : 0f;
        if (p.Split == MechanicsParameters.Spectral)
        {
            PrincipalValues(exx, eyy, ezz, exy, exz, eyz, out float e1, out float e2, out float e3);
            float p1 = e1 > 0f ? e1 : 0f, p2 = e2 > 0f ? e2 : 0f, p3 = e3 > 0f ? e3 : 0f;
            return 0.5f * p.LambdaLlzo * positive * positive + p.MuLlzo * (p1 * p1 + p2 * p2 + p3 * p3);
        }
        float bulk = p.LambdaLlzo + 2f * p.MuLlzo / 3f;
        float m = tr / 3f, dxx = exx - m, dyy = eyy - m, dzz = ezz - m;
        float dev = dxx * dxx + dyy * dyy + dzz * dzz + 2f * (exy * exy + exz * exz + eyz * eyz);
        return 0.5f * bulk * positive * positive + p.MuLlzo * dev;
    }

    /// <summary>
    /// Eigenvalues of a symmetric 3 × 3 matrix, closed form (trigonometric solution of the
    /// characteristic cubic): e1 ≥ e2 ≥ e3.
    /// </summary>
    public static void PrincipalValues(float axx, float ayy, float azz, float axy, float axz, float ayz,
        out float e1, out float e2, out float e3)
    {
        float q = (axx + ayy + azz) / 3f;
        float off = axy * axy + axz * axz + ayz * ayz;
        float bxx = axx - q, byy = ayy - q, bzz = azz - q;
        float p2 = bxx * bxx + byy * byy + bzz * bzz + 2f * off;
        if (p2 <= 1e-30f) { e1 = e2 = e3 = q; return; }
        float pp = MathF.Sqrt(p2 / 6f);
        float inv = 1f / pp;
        bxx *= inv; byy *= inv; bzz *= inv;
        float cxy = axy * inv, cxz = axz * inv, cyz = ayz * inv;
        float det = bxx * (byy * bzz - cyz * cyz) - cxy * (cxy * bzz - cyz * cxz) + cxz * (cxy * cyz - byy * cxz);
        float r = 0.5f * det;
        r = r < -1f ? -1f : (r > 1f ? 1f : r);
        float phi = MathF.Acos(r) / 3f;
        e1 = q + 2f * pp * MathF.Cos(phi);
        e3 = q + 2f * pp * MathF.Cos(phi + 2.0943951f);
        e2 = 3f * q - e1 - e3;
    }

    /// <summary>Degraded Lamé constants of one element.</summary>
    public static void Moduli(float xi, float d, int material, in MechanicsParameters p, out float lambda, out float mu)
    {
        float hx = Materials.IsSoft(material) ? 1f : Interpolation.H(xi);
        float g = (1f - d) * (1f - d) + p.ResidualStiffness;
        lambda = g * (1f - hx) * p.LambdaLlzo + hx * p.LambdaLi;
        mu = g * (1f - hx) * p.MuLlzo + hx * p.MuLi;
    }

    /// <summary>
    /// Is component c of node (i, j, k) prescribed (a roller on a low face, or a prescribed top)? On a
    /// slab the bottom is global plane 0 (k + ZOffset); the local top plane is the global top only on
    /// the last rank, and no other rank's launches reach its top plane (a ghost no element writes).
    /// </summary>
    public static bool Fixed(in GridShape nodes, in ElasticBoundary bc, int i, int j, int k, int c) =>
        (c == 0 && i == 0) || (c == 1 && (j == 0 || (bc.PlaneStrain != 0 && j == nodes.Ny - 1)))
        || (c == 2 && (k + nodes.ZOffset == 0 || (bc.TopKind == ElasticBoundary.Displacement && k == nodes.Nz - 1)));

    /// <summary>Displacement gradient G_cd = ∂u_c/∂x_d at one Gauss point; prescribed components read as 0 when Mask.</summary>
    public static void Gradient<TF>(in GridShape nodes, in ElasticBoundary bc, in TF u, int n0, int i, int j, int k,
        float gx, float gy, float gz, bool mask,
        out float g00, out float g01, out float g02, out float g10, out float g11, out float g12,
        out float g20, out float g21, out float g22) where TF : struct, IView<float>
    {
        int count = nodes.Count;
        g00 = g01 = g02 = g10 = g11 = g12 = g20 = g21 = g22 = 0f;
        for (int a = 0; a < 8; a++)
        {
            ShapeGradient(a, gx, gy, gz, out float dx, out float dy, out float dz);
            int n = Corner(nodes, n0, a);
            int ia = i + (a & 1), ja = j + ((a >> 1) & 1), ka = k + (a >> 2);
            float ux = mask && Fixed(nodes, bc, ia, ja, ka, 0) ? 0f : u[n];
            float uy = mask && Fixed(nodes, bc, ia, ja, ka, 1) ? 0f : u[n + count];
            float uz = mask && Fixed(nodes, bc, ia, ja, ka, 2) ? 0f : u[n + 2 * count];
            g00 += ux * dx; g01 += ux * dy; g02 += ux * dz;
            g10 += uy * dx; g11 += uy * dy; g12 += uy * dz;
            g20 += uz * dx; g21 += uz * dy; g22 += uz * dz;
        }
    }
}

/// <summary>
/// F += K_e u_e for the elements of one colour (Q1, 2×2×2 Gauss points, weight (½)³ each):
/// at each point ε = sym ∇u, σ = λ tr ε I + 2μ ε, and node a receives w σ ∇N_a.
/// With Mask, prescribed components of u count as 0 (the operator of the free unknowns).
/// </summary>
public struct ElasticForceRule<TF, TI> : IGridRule where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Cells, Nodes;
    public ElasticBoundary Boundary;
    public MechanicsParameters P;
    public TF Xi, Damage, U, F;
    public TI Material;
    public int Colour;
    public int Mask;

    public void Apply(int idx)
    {
        Cells.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        if (Mechanics.Colour(i, j, k + Cells.ZOffset) != Colour) return; // global parity: the same colours on every slab
        Mechanics.Moduli(Xi[idx], Damage[idx], Material[idx], P, out float lambda, out float mu);
        int n0 = Nodes.Index(i, j, k), count = Nodes.Count;
        for (int q = 0; q < 8; q++)
        {
            float gx = Mechanics.Gauss(q & 1), gy = Mechanics.Gauss((q >> 1) & 1), gz = Mechanics.Gauss(q >> 2);
            Mechanics.Gradient(Nodes, Boundary, U, n0, i, j, k, gx, gy, gz, Mask != 0,
                out float g00, out float g01, out float g02, out float g10, out float g11, out float g12,
                out float g20, out float g21, out float g22);
            float tr = g00 + g11 + g22;
            const float w = 0.125f;
            float sxx = w * (lambda * tr + 2f * mu * g00), syy = w * (lambda * tr + 2f * mu * g11), szz = w * (lambda * tr + 2f * mu * g22);
            float sxy = w * mu * (g01 + g10), sxz = w * mu * (g02 + g20), syz = w * mu * (g12 + g21);
            for (int a = 0; a < 8; a++)
            {
                Mechanics.ShapeGradient(a, gx, gy, gz, out float dx, out float dy, out float dz);
                int n = Mechanics.Corner(Nodes, n0, a);
                F[n] += sxx * dx + sxy * dy + sxz * dz;
                F[n + count] += sxy * dx + syy * dy + syz * dz;
                F[n + 2 * count] += sxz * dx + syz * dy + szz * dz;
            }
        }
    }
}

/// <summary>
/// Diag += the diagonal of K_e for the elements of one colour (the Jacobi preconditioner):
/// K_aa,cc = Σ_q w [(λ + μ)(∂_c N_a)² + μ |∇N_a|²].
/// </summary>
public struct ElasticDiagonalRule<TF, TI> : IGridRule where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Cells, Nodes;
    public MechanicsParameters P;
    public TF Xi, Damage, Diagonal;
    public TI Material;
    public int Colour;

    public void Apply(int idx)
    {
        Cells.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        if (Mechanics.Colour(i, j, k + Cells.ZOffset) != Colour) return; // global parity: the same colours on every slab
        Mechanics.Moduli(Xi[idx], Damage[idx], Material[idx], P, out float lambda, out float mu);
        int n0 = Nodes.Index(i, j, k), count = Nodes.Count;
        for (int a = 0; a < 8; a++)
        {
            float dxx = 0f, dyy = 0f, dzz = 0f;
            for (int q = 0; q < 8; q++)
            {
                Mechanics.ShapeGradient(a, Mechanics.Gauss(q & 1), Mechanics.Gauss((q >> 1) & 1), Mechanics.Gauss(q >> 2),
                    out float dx, out float dy, out float dz);
                dxx += dx * dx; dyy += dy * dy; dzz += dz * dz;
            }
            float all = mu * (dxx + dyy + dzz);
            int n = Mechanics.Corner(Nodes, n0, a);
            Diagonal[n] += 0.125f * ((lambda + mu) * dxx + all);
            Diagonal[n + count] += 0.125f * ((lambda + mu) * dyy + all);
            Diagonal[n + 2 * count] += 0.125f * ((lambda + mu) * dzz + all);
        }
    }
}

/// <summary>
/// Loads of the elements of one colour: the eigen-pressure P = p·d, f_a += P ∫_e ∇N_a dV = P s_a/4
/// (s_a the corner's signs), the growth eigenstress e(λI + 2μM⊗M) the same way, and on the top
/// layer the normal traction t, f_z += t/4 at each of the four top corners (a face of area h² = 1
/// shared by four nodes).
/// </summary>
public struct ElasticLoadRule<TF, TI> : IGridRule where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Cells, Nodes;
    public ElasticBoundary Boundary;
    public MechanicsParameters P;
    public TF Xi, Xi0, Damage, F;
    public TI Material;
    public int Colour;

    public void Apply(int idx)
    {
        Cells.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        if (Mechanics.Colour(i, j, k + Cells.ZOffset) != Colour) return; // global parity: the same colours on every slab
        float xi = Xi[idx], d = Damage[idx];
        int material = Material[idx];
        float pressure = P.CrackPressure * d;
        // Growth eigenstress C:ε* = e (λ I + 2μ M⊗M) acts like the pressure: f_a = (C:ε*) ∫∇N_a.
        float e = Mechanics.Growth(xi, Xi0[idx], material, P);
        Mechanics.Moduli(xi, d, material, P, out float lambda, out float mu);
        float gx = pressure + e * (lambda + (P.CleavageAxis == 0 ? 2f * mu : 0f));
        float gy = pressure + e * (lambda + (P.CleavageAxis == 1 ? 2f * mu : 0f));
        float gz = pressure + e * (lambda + (P.CleavageAxis == 2 ? 2f * mu : 0f));
        bool top = k == Cells.Nz - 1 && Boundary.TopKind == ElasticBoundary.Traction;
        int n0 = Nodes.Index(i, j, k), count = Nodes.Count;
        for (int a = 0; a < 8; a++)
        {
            float sx = (a & 1) != 0 ? 1f : -1f, sy = (a & 2) != 0 ? 1f : -1f, sz = (a & 4) != 0 ? 1f : -1f;
            int n = Mechanics.Corner(Nodes, n0, a);
            F[n] += 0.25f * gx * sx;
            F[n + count] += 0.25f * gy * sy;
            F[n + 2 * count] += 0.25f * gz * sz + (top && (a >> 2) != 0 ? 0.25f * Boundary.TopValue : 0f);
        }
    }
}

/// <summary>
/// Rows of the prescribed components: Q = P there (the operator's identity block), and the
/// right-hand side holds the prescribed value (0 on the rollers, TopValue on a prescribed top).
/// </summary>
public struct ElasticConstraintRule<TF> : IGridRule where TF : struct, IView<float>
{
    public GridShape Nodes;
    public ElasticBoundary Boundary;
    public TF Source, Target;
    /// <summary>1: Target = Source on prescribed rows (mat-vec); 0: Target = prescribed value (right-hand side).</summary>
    public int Copy;

    public void Apply(int idx)
    {
        Nodes.Decompose(idx, out int i, out int j, out int k);
        Apply(idx, i, j, k);
    }

    public void Apply(int idx, int i, int j, int k)
    {
        int count = Nodes.Count;
        for (int c = 0; c < 3; c++)
        {
            if (!Mechanics.Fixed(Nodes, Boundary, i, j, k, c)) continue;
            int n = idx + c * count;
            float prescribed = c == 2 && k == Nodes.Nz - 1 ? Boundary.TopValue : 0f;
            Target[n] = Copy != 0 ? Source[n] : prescribed;
        }
    }
}

/// <summary>
/// Element results from u (mean over the Gauss points), with the elastic strain ε − ε*: the
/// stored-energy density of the element ψ = ½ σ:ε (returned, for the total energy), the history H = max(H, ψ⁺) of the tensile part of the
/// intact LLZO's energy (Mechanics.TensileEnergy: volumetric–deviatoric or spectral split, weighted
/// by 1 − h(ξ)), the von Mises stress and the pressure −tr σ/3 (including −P); ψ is also
/// stored per cell (Energy).
/// </summary>
public struct ElasticStateRule<TF, TI> : IGridSum where TF : struct, IView<float> where TI : struct, IView<int>
{
    public GridShape Cells, Nodes;
    public ElasticBoundary Boundary;
    public MechanicsParameters P;
    public TF Xi, Xi0, Damage, U, History, VonMises, Pressure, Energy;
    public TI Material;

    public double Value(int idx)
    {
        Cells.Decompose(idx, out int i, out int j, out int k);
        return Value(idx, i, j, k);
    }

    public double Value(int idx, int i, int j, int k)
    {
        float xi = Xi[idx], d = Damage[idx];
        int material = Material[idx];
        Mechanics.Moduli(xi, d, material, P, out float lambda, out float mu);
        float llzo = Materials.IsSoft(material) ? 0f : 1f - Interpolation.H(xi);
        float eigen = P.CrackPressure * d;
        float e = Mechanics.Growth(xi, Xi0[idx], material, P);
        float ex = P.CleavageAxis == 0 ? e : 0f, ey = P.CleavageAxis == 1 ? e : 0f, ez = P.CleavageAxis == 2 ? e : 0f;
        int n0 = Nodes.Index(i, j, k);
        float psi = 0f, psiPlus = 0f, sxx = 0f, syy = 0f, szz = 0f, sxy = 0f, sxz = 0f, syz = 0f;
        for (int q = 0; q < 8; q++)
        {
            Mechanics.Gradient(Nodes, Boundary, U, n0, i, j, k, Mechanics.Gauss(q & 1), Mechanics.Gauss((q >> 1) & 1),
                Mechanics.Gauss(q >> 2), false,
                out float g00, out float g01, out float g02, out float g10, out float g11, out float g12,
                out float g20, out float g21, out float g22);
            g00 -= ex; g11 -= ey; g22 -= ez; // elastic strain ε − ε*
            float tr = g00 + g11 + g22;
            float exy = 0.5f * (g01 + g10), exz = 0.5f * (g02 + g20), eyz = 0.5f * (g12 + g21);
            float qxx = lambda * tr + 2f * mu * g00, qyy = lambda * tr + 2f * mu * g11, qzz = lambda * tr + 2f * mu * g22;
            psi += 0.5f * (qxx * g00 + qyy * g11 + qzz * g22) + 2f * mu * (exy * exy + exz * exz + eyz * eyz);
            psiPlus += Mechanics.TensileEnergy(g00, g11, g22, exy, exz, eyz, P);
            sxx += qxx; syy += qyy; szz += qzz;
            sxy += 2f * mu * exy; sxz += 2f * mu * exz; syz += 2f * mu * eyz;
        }
        const float mean = 0.125f;
        sxx = sxx * mean - eigen; syy = syy * mean - eigen; szz = szz * mean - eigen;
        sxy *= mean; sxz *= mean; syz *= mean;
        float h = History[idx], candidate = llzo * psiPlus * mean;
        History[idx] = candidate > h ? candidate : h;
        Pressure[idx] = -(sxx + syy + szz) / 3f;
        float vm2 = 0.5f * ((sxx - syy) * (sxx - syy) + (syy - szz) * (syy - szz) + (szz - sxx) * (szz - sxx))
                    + 3f * (sxy * sxy + sxz * sxz + syz * syz);
        VonMises[idx] = MathF.Sqrt(vm2);
        Energy[idx] = psi * mean;
        return psi * mean;
    }
}
