using System.Globalization;
using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// `phasefield mpi-check`: what a distributed run stands on, checked against known answers on the
/// ranks it is launched with — a global sum, the ghost planes after one halo exchange (each cell
/// holds its global index), and a Jacobi-CG solve of A x = b (Helmholtz operator, a 100× conductivity
/// jump at mid-height, zero-flux faces) whose Σx and probe values must not depend on the rank count
/// beyond float rounding (tests compare 1, 2 and 4 ranks); and the body labelling across slabs
/// (SlabLabelling) on a pattern of known bodies. With an output directory the solve's
/// fields are written as one snapshot in the distributed layout (SlabSnapshotWriter: a file per rank,
/// one XDMF grid): x, b, the owning rank, each cell's global index and its body label.
/// </summary>
public static class DistributedSelfCheck
{
    public sealed record Report(bool Passed, IReadOnlyList<string> Lines);

    public static Report Run(Mpi mpi, GridShape global, double tolerance = 1e-6, string? outputDirectory = null)
    {
        var slabs = new SlabDecomposition(global, mpi.Rank, mpi.Size);
        var lines = new List<string>();
        bool ok = true;
        var ci = CultureInfo.InvariantCulture;

        double ranks = mpi.Sum(mpi.Rank + 1);
        bool sumOk = ranks == mpi.Size * (mpi.Size + 1) / 2.0;
        ok &= sumOk;
        lines.Add($"{(sumOk ? "pass" : "FAIL")}  Allreduce: Σ(rank + 1) = {ranks} over {mpi.Size} ranks ({mpi.Flavour}, {mpi.Library})");

        var local = slabs.Local;
        var index = new float[local.Count];
        for (int k = 0; k < local.Nz; k++)
        for (int n = 0; n < local.Plane; n++)
        {
            bool owned = k >= slabs.GhostBelow && k < slabs.GhostBelow + slabs.OwnedPlanes;
            index[k * local.Plane + n] = owned ? slabs.GlobalZ(k) * local.Plane + n : -1f;
        }
        slabs.Exchange(mpi, index);
        double wrong = 0;
        for (int k = 0; k < local.Nz; k++)
        for (int n = 0; n < local.Plane; n++)
            if (index[k * local.Plane + n] != slabs.GlobalZ(k) * local.Plane + n) wrong++;
        wrong = mpi.Sum(wrong);
        ok &= wrong == 0;
        lines.Add($"{(wrong == 0 ? "pass" : "FAIL")}  halo exchange: {wrong} wrong cells after one exchange " +
                  $"({slabs.HaloBytesPerExchange} bytes sent by rank {mpi.Rank} per exchange)");

        // A x = b: σ = 1 below mid-height, 0.01 above; a = 1e-3; a smooth b plus a constant.
        var sigma = new float[local.Count];
        var shift = new float[local.Count];
        var b = new float[local.Count];
        var x = new float[local.Count];
        for (int k = 0; k < local.Nz; k++)
        for (int j = 0; j < local.Ny; j++)
        for (int i = 0; i < local.Nx; i++)
        {
            int idx = local.Index(i, j, k), gz = slabs.GlobalZ(k);
            sigma[idx] = gz < global.Nz / 2 ? 1f : 0.01f;
            shift[idx] = 1e-3f;
            b[idx] = (float)(Math.Sin(Math.PI * (i + 0.5) / global.Nx) * Math.Cos(Math.PI * (gz + 0.5) / global.Nz) + 0.1
                             + 0.05 * Math.Cos(2 * Math.PI * (j + 0.5) / global.Ny));
        }
        mpi.Barrier();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = new SlabHelmholtzSolver(mpi, slabs).Solve(sigma, shift, b, x, tolerance, 20_000);
        double seconds = mpi.Max(clock.Elapsed.TotalSeconds);
        double sum = 0;
        for (int idx = slabs.OwnedFirst; idx < slabs.OwnedEnd; idx++) sum += x[idx];
        int[] probeZ = [0, global.Nz / 2 - 1, global.Nz / 2, global.Nz - 1];
        var values = new double[probeZ.Length + 1];
        values[0] = sum;
        for (int p = 0; p < probeZ.Length; p++)
        {
            int k = probeZ[p] - slabs.ZStart + slabs.GhostBelow;
            bool mine = probeZ[p] >= slabs.ZStart && probeZ[p] < slabs.ZStart + slabs.OwnedPlanes;
            values[p + 1] = mine ? x[local.Index(global.Nx / 2, global.Ny / 2, k)] : 0;
        }
        mpi.Sum(values);
        double halo = mpi.Max(result.HaloBytes);
        ok &= result.Converged;
        lines.Add($"{(result.Converged ? "pass" : "FAIL")}  distributed Jacobi-CG: {result.Iterations} iterations, " +
                  $"relative residual {result.RelativeResidual.ToString("E2", ci)}, largest halo traffic of a rank {halo / 1024:F0} KiB; " +
                  $"{global.Nx}×{global.Ny}×{global.Nz} cells, {seconds.ToString("F3", ci)} s ({(seconds / Math.Max(1, result.Iterations) * 1e3).ToString("F3", ci)} ms per iteration)");
        // Bodies across slabs (SlabLabelling): a column through every slab, a U whose arms meet only in
        // the top plane (on the lower ranks its arms look like two bodies), a 2×2×2 cube straddling
        // mid-height and single cells every 4 planes — 3 + ⌈nz/4⌉ bodies whatever the rank count.
        int[]? bodies = null;
        if (global.Nx >= 8 && global.Ny >= 8)
        {
            int first = slabs.OwnedFirst, count = slabs.OwnedEnd - first;
            var core = new bool[count];
            for (int n = 0; n < count; n++)
            {
                int i = n % global.Nx, j = n / global.Nx % global.Ny, gz = slabs.ZStart + n / global.Plane;
                core[n] = (i == 1 && j == 1)
                          || (i == 5 && (j == 1 || j == 5 || (gz == global.Nz - 1 && j is >= 1 and <= 5)))
                          || (i is 2 or 3 && j is 4 or 5 && (gz == global.Nz / 2 - 1 || gz == global.Nz / 2))
                          || (i == 6 && j == 6 && gz % 4 == 0);
            }
            bodies = SlabLabelling.Label(mpi, slabs, core, out int rounds);
            var distinct = new HashSet<int>(bodies.Where(l => l >= 0));
            // Σ over ranks of the bodies whose label is one of the rank's own cells counts each body once.
            double found = mpi.Sum(distinct.Count(l => l >= slabs.ZStart * global.Plane && l < slabs.ZStart * global.Plane + count
                                                       && bodies[l - slabs.ZStart * global.Plane] == l));
            int expected = 3 + (global.Nz + 3) / 4;
            bool bodiesOk = found == expected;
            ok &= bodiesOk;
            lines.Add($"{(bodiesOk ? "pass" : "FAIL")}  body labelling across slabs: {found} bodies (expected {expected}), {rounds} rounds of boundary exchange");
        }
        if (outputDirectory != null)
        {
            if (mpi.Rank == 0) Directory.CreateDirectory(outputDirectory);
            mpi.Barrier();
            int first = slabs.OwnedFirst, count = slabs.OwnedEnd - first;
            var fields = new List<OutputWriters.SnapshotField>
            {
                new("solution", x.AsSpan(first, count).ToArray(), "1", "x of the distributed Jacobi-CG solve"),
                new("rhs", b.AsSpan(first, count).ToArray(), "1", "b"),
                new("rank", Enumerable.Repeat(mpi.Rank, count).ToArray(), "1", "MPI rank that owns the cell"),
                new("index", Enumerable.Range(0, count).Select(n => (float)(slabs.ZStart * global.Plane + n)).ToArray(), "1",
                    "global cell index i + nx (j + ny k)"),
            };
            if (bodies != null) fields.Add(new("body", bodies, "1", "body label: the smallest global index of its cells (−1: none)"));
            var meta = new OutputWriters.RunMetadata(global.Nx, global.Ny, global.Nz, 1.0, "mpi-check", "", $"{mpi.Size} ranks",
                new Dictionary<string, string>());
            using var writer = new SlabSnapshotWriter(outputDirectory, meta, mpi, slabs);
            writer.Write(new OutputWriters.Snapshot(0, 0, 0.0, fields));
            lines.Add($"wrote {Path.Combine(outputDirectory, "fields.xdmf")} ({mpi.Size} rank files)");
        }
        lines.Add("solution: sum=" + values[0].ToString("R", ci) + " probes=" +
                  string.Join(",", Enumerable.Range(1, probeZ.Length).Select(p => values[p].ToString("R", ci))) +
                  $" iterations={result.Iterations}");
        return new Report(ok, lines);
    }
}
