using System.Globalization;
using PhaseFieldLi.Backends;
using PhaseFieldLi.Kernels.Accessors;

namespace PhaseFieldLi.Distributed;

/// <summary>
/// `phasefield mpi-check`: what a distributed run stands on, checked against known answers on the
/// ranks it is launched with, through the run's own slab backend and operations — a global sum, the
/// ghost planes after one halo exchange (each cell holds its global index), the model's Jacobi-CG
/// solve of A x = b (Helmholtz operator, a 100× conductivity jump at mid-height, zero-flux faces)
/// whose Σx and probe values must not depend on the rank count beyond float rounding (tests compare
/// 1, 2 and 4 ranks); and the model's body labelling across slabs on a pattern of known bodies. With an output directory the solve's
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

        // The run's own machinery on this rank's slab: the host backend behind the slab backend, the
        // halo-filling operations, and the CG, Jacobi preconditioner and labelling rules of the model.
        var partition = new SlabPartition(mpi, slabs);
        using var backend = (SlabBackend<HostView<float>, HostView<int>>)SlabBackend.Wrap(new HostBackend(), partition);
        var ops = backend.CreateOperations();
        var local = partition.Local;
        float[] Host(Func<int, int, int, int, float> value) // value(i, j, global z, global index) on every held cell
        {
            var a = new float[local.Count];
            for (int k = 0; k < local.Nz; k++)
            for (int j = 0; j < local.Ny; j++)
            for (int i = 0; i < local.Nx; i++)
            {
                int gz = slabs.GlobalZ(k);
                a[local.Index(i, j, k)] = value(i, j, gz, i + global.Nx * (j + global.Ny * gz));
            }
            return a;
        }

        using var index = backend.Float("index", local.Count);
        var expected = Host((_, _, _, n) => n);
        index.Upload(Host((_, _, gz, n) => gz >= slabs.ZStart && gz < slabs.ZStart + slabs.OwnedPlanes ? n : -1f));
        partition.FillGhosts(index);
        double wrong = mpi.Sum(index.ToArray().Zip(expected).Count(p => p.First != p.Second));
        ok &= wrong == 0;
        lines.Add($"{(wrong == 0 ? "pass" : "FAIL")}  halo exchange: {wrong} wrong cells after one exchange " +
                  $"({slabs.HaloBytesPerExchange} bytes sent by rank {mpi.Rank} per exchange)");

        // A x = b: σ = 1 below mid-height, 0.01 above; a = 1e-3; a smooth b plus a constant.
        using var sigma = backend.Float("sigma", local.Count);
        using var shift = backend.Float("shift", local.Count);
        using var b = backend.Float("b", local.Count);
        using var x = backend.Float("x", local.Count);
        sigma.Upload(Host((_, _, gz, _) => gz < global.Nz / 2 ? 1f : 0.01f));
        shift.Upload(Host((_, _, _, _) => 1e-3f));
        b.Upload(Host((i, j, gz, _) => (float)(Math.Sin(Math.PI * (i + 0.5) / global.Nx) * Math.Cos(Math.PI * (gz + 0.5) / global.Nz) + 0.1
                                               + 0.05 * Math.Cos(2 * Math.PI * (j + 0.5) / global.Ny))));
        using var cg = new Solvers.ConjugateGradient(backend, ops, local, new Solvers.JacobiPreconditioner(backend, ops, local));
        cg.Prepare(new Solvers.HelmholtzProblem(local, sigma, shift));
        mpi.Barrier();
        long haloBefore = mpi.BytesSent;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = cg.Solve(b, x, tolerance, 20_000);
        double seconds = mpi.Max(clock.Elapsed.TotalSeconds);
        var xs = x.ToArray();
        double sum = 0;
        for (int idx = slabs.OwnedFirst; idx < slabs.OwnedEnd; idx++) sum += xs[idx];
        int[] probeZ = [0, global.Nz / 2 - 1, global.Nz / 2, global.Nz - 1];
        var values = new double[probeZ.Length + 1];
        values[0] = sum;
        for (int p = 0; p < probeZ.Length; p++)
        {
            int k = probeZ[p] - slabs.ZStart + slabs.GhostBelow;
            bool mine = probeZ[p] >= slabs.ZStart && probeZ[p] < slabs.ZStart + slabs.OwnedPlanes;
            values[p + 1] = mine ? xs[local.Index(global.Nx / 2, global.Ny / 2, k)] : 0;
        }
        mpi.Sum(values);
        double halo = mpi.Max((double)(mpi.BytesSent - haloBefore));
        ok &= result.Converged;
        lines.Add($"{(result.Converged ? "pass" : "FAIL")}  distributed Jacobi-CG: {result.Iterations} iterations, " +
                  $"relative residual {result.RelativeResidual.ToString("E2", ci)}, largest halo traffic of a rank {halo / 1024:F0} KiB; " +
                  $"{global.Nx}×{global.Ny}×{global.Nz} cells, {seconds.ToString("F3", ci)} s ({(seconds / Math.Max(1, result.Iterations) * 1e3).ToString("F3", ci)} ms per iteration)");
        // Bodies across slabs (the model's labelling rules): a column through every slab, a U whose
        // arms meet only in the top plane (on the lower ranks its arms look like two bodies), a 2×2×2
        // cube straddling mid-height and single cells every 4 planes — 3 + ⌈nz/4⌉ bodies whatever the
        // rank count, each labelled 2 + the smallest global index of its cells.
        int[]? bodies = null;
        if (global.Nx >= 8 && global.Ny >= 8)
        {
            using var state = new Fields.State(backend, local.Count);
            state.Xi.Upload(Host((i, j, gz, _) => (i == 1 && j == 1)
                                                   || (i == 5 && (j == 1 || j == 5 || (gz == global.Nz - 1 && j is >= 1 and <= 5)))
                                                   || (i is 2 or 3 && j is 4 or 5 && (gz == global.Nz / 2 - 1 || gz == global.Nz / 2))
                                                   || (i == 6 && j == 6 && gz % 4 == 0) ? 1f : 0f));
            state.Material.Fill(Kernels.Physics.Materials.Llzo);
            ops.ResetLabels(state, local, 0.5f);
            int sweeps = 0;
            while (ops.PropagateLabels(state, local, 0.5f, 0.5f) > 0) sweeps++;
            bodies = state.Label.ToArray()[slabs.OwnedFirst..slabs.OwnedEnd].Select(l => l >= 2 ? l - 2 : -1).ToArray();
            // Σ over ranks of the bodies whose label is one of the rank's own cells counts each body once.
            long firstOwned = (long)slabs.ZStart * global.Plane;
            double found = mpi.Sum(bodies.Where(l => l >= 0).Distinct().Count(l => l >= firstOwned && l < firstOwned + bodies.Length));
            int expectedBodies = 3 + (global.Nz + 3) / 4;
            bool bodiesOk = found == expectedBodies;
            ok &= bodiesOk;
            lines.Add($"{(bodiesOk ? "pass" : "FAIL")}  body labelling across slabs: {found} bodies (expected {expectedBodies}), {sweeps} propagation sweeps");
        }
        if (outputDirectory != null)
        {
            if (mpi.Rank == 0) Directory.CreateDirectory(outputDirectory);
            mpi.Barrier();
            int first = slabs.OwnedFirst, count = slabs.OwnedEnd - first;
            var fields = new List<OutputWriters.SnapshotField>
            {
                new("solution", xs[first..(first + count)], "1", "x of the distributed Jacobi-CG solve"),
                new("rhs", b.ToArray()[first..(first + count)], "1", "b"),
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
