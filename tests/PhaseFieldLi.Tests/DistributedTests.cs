using System.Diagnostics;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// MPI (the distributed issue, first part): `phasefield mpi-check` launched by Open MPI's mpirun on 1,
/// 2 and 4 ranks (oversubscribed on 2 cores) — global sums, halo exchange, and a distributed
/// Jacobi-CG solve whose answer must not depend on the rank count, bodies labelled across slabs, the
/// stitched output; and the bad launches.
/// </summary>
public class DistributedTests(ITestOutputHelper output)
{
    private static string Program => Path.Combine(AppContext.BaseDirectory, "phasefield.dll");

    private static (int Exit, string Out, string Err) Launch(string file, IEnumerable<string> args, Dictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["TERM"] = "dumb"; // no terminal escape sequences in the captured output
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        foreach (var (k, v) in env ?? []) psi.Environment[k] = v;
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot start '{file}' ({e.Message}): the MPI tests need Open MPI's mpirun (Debian: openmpi-bin)");
        }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(180_000)) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', args)} ran over 3 minutes"); }
            return (p.ExitCode, stdout, err.GetAwaiter().GetResult());
        }
    }

    private static (int Exit, string Out, string Err) MpiRun(int ranks, params string[] args) =>
        Launch("mpirun", ["--oversubscribe", "-n", ranks.ToString(), "dotnet", Program, "mpi-check", .. args]);

    [Fact]
    public void OneTwoAndFourRanksGiveTheSameSolution()
    {
        var solutions = new List<double[]>();
        foreach (int n in new[] { 1, 2, 4 })
        {
            var (exit, stdout, err) = MpiRun(n, "--cells", "8x8x32");
            output.WriteLine($"-- {n} ranks (exit {exit})\n{stdout}{err}");
            Assert.Equal(0, exit);
            Assert.Equal(4, stdout.Split('\n').Count(l => l.Contains("pass  ")));
            string line = stdout.Split('\n').Single(l => l.Contains("solution:"));
            line = line[line.IndexOf("solution:", StringComparison.Ordinal)..].Trim();
            var numbers = line.Replace("solution: sum=", "").Replace(" probes=", ",").Replace(" iterations=", ",").Split(',')
                .Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            solutions.Add(numbers);
        }
        for (int r = 1; r < solutions.Count; r++)
        for (int v = 0; v < solutions[0].Length - 1; v++)
            Assert.True(Math.Abs(solutions[r][v] - solutions[0][v]) <= 1e-5 * Math.Abs(solutions[0][v]),
                $"value {v}: {solutions[r][v]} on {(r == 1 ? 2 : 4)} ranks vs {solutions[0][v]} on 1");
        Assert.All(solutions, s => Assert.InRange(s[^1], solutions[0][^1] - 2, solutions[0][^1] + 2));
    }

    [Fact]
    public void MoreRanksThanSlabsIsOneClearError()
    {
        var (exit, stdout, err) = MpiRun(4, "--cells", "4x4x6");
        output.WriteLine(stdout + err);
        Assert.NotEqual(0, exit);
        Assert.Contains("4 ranks for a grid of 6 z-planes", err);
        Assert.Contains("at most 3 ranks", err);
        Assert.Equal(1, err.Split('\n').Count(l => l.Contains("error: ")));
    }

    [Fact]
    public void AMissingMpiLibraryIsOneClearError()
    {
        var (exit, _, err) = Launch("dotnet", [Program, "mpi-check"], new() { ["PFLI_MPI_LIBRARY"] = "libmpi-that-is-not-here.so.1" });
        output.WriteLine(err);
        Assert.Equal(2, exit);
        Assert.Contains("no MPI library found", err);
        Assert.Contains("PFLI_MPI_LIBRARY", err);
    }

    /// <summary>`mpirun -n 2 phasefield run CASE` would be two runs writing the same files: one clear error instead.</summary>
    [Fact]
    public void RunOnSeveralRanksIsOneClearError()
    {
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, TestCases.TinyCrack);
        var (exit, _, err) = Launch("mpirun", ["--oversubscribe", "-n", "2", "dotnet", Program, "run", casePath, "--output", Path.Combine(dir, "run")]);
        output.WriteLine(err);
        Assert.NotEqual(0, exit);
        Assert.Equal(1, err.Split('\n').Count(l => l.Contains("error: ")));
        Assert.Contains("launched on 2 MPI ranks", err);
        Assert.False(Directory.Exists(Path.Combine(dir, "run")), "nothing may be written");
    }

    /// <summary>
    /// Distributed output: each rank writes its own slab, rank 0 an XDMF index that joins them along z.
    /// ParaView's XDMF reader (pvpython, an independent reader) must see one 8 × 8 × 30 grid whose
    /// cells hold their own global index whatever the rank count, owned by ranks in slab order with
    /// the decomposition's plane counts (30 planes on 4 ranks: 8, 8, 7, 7), and the same solution
    /// on 2 and 4 ranks as on 1 — and the same body labels (SlabLabelling), bodies that span ranks included.
    /// </summary>
    [Fact]
    public void EachRankWritesItsSlabAndParaViewSeesOneGrid()
    {
        Assert.True(File.Exists("/usr/bin/pvpython"), "needs Debian's python3-paraview (.ci/run installs it)");
        string script = Path.Combine(CaseFileErrorTests.RepoRoot(), "tools", "read_fields.py");
        var solutions = new Dictionary<int, double[]>();
        var bodies = new Dictionary<int, double[]>();
        foreach (int n in new[] { 1, 2, 4 })
        {
            string dir = TestCases.TempDir();
            var (exit, stdout, err) = MpiRun(n, "--cells", "8x8x30", "--output", dir);
            Assert.True(exit == 0, $"{n} ranks: {stdout}{err}");
            Assert.Equal(n, Directory.GetFiles(dir, "fields_00000_r*.h5").Length);
            var (readExit, json, readErr) = Launch("/usr/bin/pvpython", [script, Path.Combine(dir, "fields.xdmf")]);
            Assert.True(readExit == 0, $"pvpython: {readErr}");
            using var doc = System.Text.Json.JsonDocument.Parse(json.Split('\n').Last(l => l.TrimStart().StartsWith('{')));
            var root = doc.RootElement;
            Assert.Equal([8, 8, 30], root.GetProperty("cells").EnumerateArray().Select(v => v.GetInt32()));
            double[] Array(string name) => root.GetProperty("arrays").GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var index = Array("index");
            Assert.Equal(Enumerable.Range(0, 8 * 8 * 30).Select(i => (double)i), index);
            var rank = Array("rank");
            var planes = Enumerable.Range(0, n).Select(r => rank.Count(v => v == r) / 64).ToArray();
            Assert.Equal(Enumerable.Range(0, n).Select(r => new PhaseFieldLi.Distributed.SlabDecomposition(
                new PhaseFieldLi.Kernels.Accessors.GridShape(8, 8, 30), r, n).OwnedPlanes), planes);
            Assert.True(rank.Zip(rank.Skip(1)).All(p => p.Second >= p.First), "ranks must own consecutive slabs from the bottom up");
            solutions[n] = Array("solution");
            bodies[n] = Array("body");
        }
        // Bodies: labelled by their smallest global index, so the same labels on every rank count; the U
        // (arms at i = 5, j = 1 and 5, joined only in the top plane) is one body on 2 and 4 ranks too.
        foreach (int n in new[] { 2, 4 }) Assert.Equal(bodies[1], bodies[n]);
        int Cell(int i, int j, int k) => i + 8 * (j + 8 * k);
        Assert.Equal(bodies[1][Cell(5, 1, 0)], bodies[4][Cell(5, 5, 0)]);
        Assert.Equal(11, bodies[4].Where(b => b >= 0).Distinct().Count());
        double scale = solutions[1].Max(Math.Abs);
        foreach (int n in new[] { 2, 4 })
        {
            double worst = solutions[n].Zip(solutions[1]).Max(p => Math.Abs(p.First - p.Second));
            output.WriteLine($"{n} ranks: max |x − x₁| = {worst:E2} (max |x₁| = {scale:F1})");
            Assert.True(worst <= 1e-5 * scale, $"{n} ranks: max |x − x₁| = {worst:E2}");
        }
    }
}
