using PhaseFieldLi.Cases;
using PhaseFieldLi.Kernels.Accessors;
using PhaseFieldLi.Kernels.Physics;

namespace PhaseFieldLi.Models;

/// <summary>
/// Builds the initial ξ, d and material arrays on the host from the case geometry:
/// along z, collector | Li layer | growth room (reservoir) | separator (if any) at each electrode, LLZO
/// between, and
/// the given flaws (damage, optionally pre-filled with Li); a fracture-only case (physics = "fracture")
/// is LLZO throughout, without electrodes. Electrode fronts start with the
/// equilibrium profile ξ = 1/(1 + exp(2s/δ)), s the signed distance into the electrolyte.
/// </summary>
public static class InitialConditions
{
    /// <summary>LiHistory: the largest ξ each cell has held (1 in emptied flaws).</summary>
    public sealed record Arrays(float[] Xi, float[] Damage, int[] Material, float[] LiHistory);

    public static Arrays Build(Case c) => Build(c, 0, c.Grid.Nz);

    /// <summary>The planes kFirst … kFirst + planes − 1 of the global grid (one rank's slab with its ghost planes).</summary>
    public static Arrays Build(Case c, int kFirst, int planes)
    {
        var g = c.Grid;
        var el = c.Electrodes;
        double h = g.SpacingM, lz = g.Nz * h, delta = c.PhaseField.InterfaceWidthM;
        double negFront = el.CollectorThicknessM + el.NegativeLiThicknessM;
        double posFront = lz - el.CollectorThicknessM - el.PositiveLiThicknessM;
        // A box face on or beyond the domain boundary is no interface: the flaw continues outside
        // (zero-flux walls mirror it), so that face is moved to infinity before distances are measured.
        var extent = new[] { g.Nx * h, g.Ny * h, g.Nz * h };
        var open = c.Flaws.Select(f => f.Shape != FlawShape.Box ? f : f with
        {
            MinM = f.MinM.Select(v => v <= 0 ? double.NegativeInfinity : v).ToArray(),
            MaxM = f.MaxM.Select((v, a) => v >= extent[a] ? double.PositiveInfinity : v).ToArray(),
        }).ToList();
        bool fractureOnly = c.Physics == Physics.Fracture; // the whole box is LLZO: no electrodes
        var local = new GridShape(g.Nx, g.Ny, planes);
        var xi = new float[local.Count];
        var damage = new float[local.Count];
        var material = new int[local.Count];
        var history = new float[local.Count];

        for (int k = kFirst; k < kFirst + planes; k++)
        for (int j = 0; j < g.Ny; j++)
        for (int i = 0; i < g.Nx; i++)
        {
            int idx = local.Index(i, j, k - kFirst);
            var (x, y, z) = g.CellCentreM(i, j, k);
            int mat = Materials.Llzo;
            if (!fractureOnly)
            {
                if (z < el.CollectorThicknessM) mat = Materials.CollectorNegative;
                else if (z > lz - el.CollectorThicknessM) mat = Materials.CollectorPositive;
                else if (z < negFront + el.GrowthRoomM || z > posFront - el.GrowthRoomM) mat = Materials.Reservoir;
                else if (z < negFront + el.GrowthRoomM + el.SeparatorThicknessM
                         || z > posFront - el.GrowthRoomM - el.SeparatorThicknessM) mat = Materials.Separator;
                double profile = Math.Max(Front(z - negFront, delta), Front(posFront - z, delta));
                xi[idx] = Materials.IsCollector(mat) ? 1f : (float)profile;
            }
            material[idx] = mat;

            foreach (var f in open)
            {
                double s = SignedDistance(f, x, y, z);
                if (s <= 0) damage[idx] = Math.Max(damage[idx], (float)f.Damage);
                if (f.Li > 0 && !Materials.IsCollector(mat))
                    xi[idx] = Math.Max(xi[idx], (float)(f.Li * Front(s, delta)));
                if (f.Emptied && s <= 0) history[idx] = 1f;
            }
        }
        float floor = (float)c.PhaseField.FilmFloor;
        // Thin sheets: a cracked cell holds a sheet at least as thick as its edge or none — the diffuse
        // tail of an electrode reaching into a crack is not a sheet (it would be an edge ahead of the sheet).
        float edgeFill = (float)(c.PhaseField.SheetEdgeThicknessM / g.SpacingM);
        for (int n = 0; n < xi.Length && c.PhaseField.ThinSheets; n++)
            if (material[n] == Materials.Llzo && damage[n] > 0.5f && xi[n] < edgeFill) xi[n] = 0f;
        for (int n = 0; n < xi.Length; n++)
        {
            history[n] = Math.Max(history[n], xi[n]);
            if (floor > 0 && material[n] == Materials.Llzo && history[n] > 0.5f) xi[n] = Math.Max(xi[n], floor);
        }
        return new Arrays(xi, damage, material, history);
    }

    private static double Front(double s, double delta) => 1.0 / (1.0 + Math.Exp(Math.Clamp(2 * s / delta, -60, 60)));

    /// <summary>
    /// Signed distance [m] from a flaw's surface: negative inside. Li placed in a flaw starts with the
    /// equilibrium profile across this distance (a sharp box would have h′ = 0 on both sides of its
    /// faces and no reaction until capillarity had smoothed it).
    /// </summary>
    public static double SignedDistance(Flaw f, double x, double y, double z)
    {
        if (f.Shape == FlawShape.Box)
        {
            double[] p = [x, y, z];
            double outside = 0, inside = double.NegativeInfinity;
            for (int a = 0; a < 3; a++)
            {
                double below = f.MinM[a] - p[a], above = p[a] - f.MaxM[a];
                double d = Math.Max(below, above);
                if (d > 0) outside += d * d;
                inside = Math.Max(inside, d);
            }
            return outside > 0 ? Math.Sqrt(outside) : inside;
        }
        double dx = x - f.CentreM[0], dy = y - f.CentreM[1], dz = z - f.CentreM[2];
        if (f.Shape == FlawShape.Sphere) return Math.Sqrt(dx * dx + dy * dy + dz * dz) - f.RadiusM;
        double along = dx * f.Normal[0] + dy * f.Normal[1] + dz * f.Normal[2];
        double radial = Math.Sqrt(Math.Max(0, dx * dx + dy * dy + dz * dz - along * along));
        double qa = Math.Abs(along) - 0.5 * f.ThicknessM, qr = radial - f.RadiusM;
        double o = Math.Sqrt(Math.Pow(Math.Max(qa, 0), 2) + Math.Pow(Math.Max(qr, 0), 2));
        return o > 0 ? o : Math.Max(qa, qr);
    }
}
