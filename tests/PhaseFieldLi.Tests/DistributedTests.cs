using PureHDF;
using PhaseFieldLi.OutputWriters;
using System.Diagnostics;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// MPI (the distributed issue): `phasefield mpi-check` launched by Open MPI's mpirun on 1, 2 and 4
/// ranks (oversubscribed on 2 cores) — global sums, halo exchange, and a distributed Jacobi-CG solve
/// whose answer must not depend on the rank count, bodies labelled across slabs, the stitched output;
/// `phasefield run` of a bipolar, a coupled and a fracture case on 1, 2 and 4 ranks; the device path
/// on ILGPU's CPU emulator; and the bad launches.
/// </summary>
[Collection(Serial)]
public class DistributedTests(ITestOutputHelper output)
{
    /// <summary>
    /// The MPI runs oversubscribe 2 or 4 ranks on the machine's cores; beside the other test classes
    /// they took minutes instead of seconds (the emulator run 7 min 49 s in CI), so they run alone.
    /// </summary>
    public const string Serial = "MPI runs alone";

    private static string Program => Path.Combine(AppContext.BaseDirectory, "phasefield.dll");

    private static (int Exit, string Out, string Err) Launch(string file, IEnumerable<string> args, Dictionary<string, string>? env = null,
        Action<Process>? whileRunning = null)
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
            var watcher = whileRunning != null ? Task.Run(() => whileRunning(p)) : Task.CompletedTask;
            var err = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(180_000)) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', args)} ran over 3 minutes"); }
            watcher.GetAwaiter().GetResult();
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

    /// <summary>
    /// Halos are an explicit, declared step (Backends/Operations): with the ghost planes of every
    /// changing field made stale (NaN) before each neighbour-reading operation, the slab's owned cells
    /// still equal the whole grid's. A binder that leaves out a fill its rule needs fails here (checked
    /// by removing the fills of ξ in LiPhaseRate, p in the host mat-vec and u in ElasticForce: three
    /// FAIL lines, exit 5). The coupled leaf case covers the charge, Li-phase, label, Helmholtz and
    /// element passes; 3 ranks put a middle rank between two neighbours.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void EveryNeighbourReadingOperationFillsTheGhostsItReads(int ranks)
    {
        string leaf = Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", "leaf-dendrite-3d.toml");
        var (exit, stdout, err) = MpiRun(ranks, leaf);
        output.WriteLine(stdout + err);
        Assert.Equal(0, exit);
        var lines = stdout.Split('\n').Where(l => l.Contains("stale ghosts")).ToList();
        Assert.Equal(13, lines.Count);
        Assert.All(lines, l => Assert.Contains("pass  ", l));
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

    /// <summary>
    /// The coupled model on slabs (the tiny Li-filled crack, cleavage plane normal to z so that the
    /// crack's and leaf's lines of cells cross the slab boundaries at planes 8 and 4, 8, 12): one
    /// process and `mpirun -n 2` and `-n 4` give the same fields — ξ, φ, d, the labels and the rate to
    /// 1e-5 of each field's largest value, the pressure and von Mises stress to 3e-5 (the elastic
    /// solve stops at a relative residual of 1e-5, and the gathered coarse level recomputes its
    /// stiffness from an effective damage, a rounding the one-process multigrid does not make;
    /// measured: 6e-6) — the same staggered iterations every step, the same crack area, leaf and crack
    /// sizes and Li pressure in the time series (each to 3e-5 of the column's largest value over the run: the
    /// Li pressure early in the run, a small difference of Li and crack volume, moved by 6e-5 of itself
    /// in one CI run, 2 ranks, step 5: 2506628 vs 2506777 Pa); the elastic multigrid
    /// runs on slabs (its log line).
    /// </summary>
    [Fact]
    public void ACoupledRunGivesTheSameFieldsOnOneTwoAndFourRanks()
    {
        Assert.True(File.Exists("/usr/bin/pvpython"), "needs Debian's python3-paraview (.ci/run installs it)");
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, TestCases.TinyCoupled.Replace("cleavage_normal = [1, 0, 0]", "cleavage_normal = [0, 0, 1]"));
        var one = RunOnRanks(casePath, 1, Path.Combine(dir, "ranks1"), [8, 8, 16]);
        foreach (int n in new[] { 2, 4 })
        {
            var many = RunOnRanks(casePath, n, Path.Combine(dir, $"ranks{n}"), [8, 8, 16]);
            Assert.Contains("elastic solve preconditioner: elastic multigrid 8×8×16 on slabs, 4×4×8 gathered", many.Log);
            foreach (var (name, tolerance) in new[] { ("xi", 1e-5), ("phi", 1e-5), ("damage", 1e-5), ("deposition_rate", 1e-5),
                         ("pressure", 3e-5), ("von_mises", 3e-5) })
            {
                double scale = one.Fields[name].Max(Math.Abs);
                double worst = many.Fields[name].Zip(one.Fields[name]).Max(p => Math.Abs(p.First - p.Second));
                output.WriteLine($"{n} ranks: {name}: max |Δ| = {worst:E2} (largest value {scale:E3})");
                Assert.True(worst <= tolerance * scale, $"{n} ranks: {name} differs by {worst:E2} (largest value {scale:E3})");
            }
            Assert.Equal(one.Fields["label"], many.Fields["label"]);
            Assert.Equal(one.Series.Select(r => r["stagger_iterations"]), many.Series.Select(r => r["stagger_iterations"]));
            foreach (string column in new[] { "crack_area_m2", "leaf_thickness_m", "leaf_width_m", "crack_thickness_m", "crack_height_m",
                         "max_li_pressure_Pa", "cell_voltage_V" })
            {
                double scale = one.Series.Max(r => Math.Abs(r[column]));
                Assert.All(one.Series.Zip(many.Series), p =>
                    Assert.True(Math.Abs(p.First[column] - p.Second[column]) <= 3e-5 * scale,
                        $"{n} ranks, step {p.First["step"]}: {column} {p.Second[column]:R} vs {p.First[column]:R} on one (largest {scale:R})"));
            }
        }
        // The damage moved (else the comparison above compares nothing the mechanics changes): measured 0.006–0.024 per step.
        Assert.True(one.Series.Max(r => r["max_damage_change"]) > 1e-3, "the damage must change in this case");
    }

    /// <summary>
    /// Quasi-static fracture on slabs: cases/penny-crack-3d.toml shrunk to 16³ cells (a 6 µm disc at
    /// 100 MPa + 10 MPa per load step, 5 load steps; the crack front advances at the fourth) on 1, 2
    /// and 4 ranks. The crack plane z = 0 lies on rank 0; the crack's lines of cells along its normal
    /// z cross every slab boundary. fracture.csv: the same crack area and extent every step, the same
    /// staggered and elastic CG iterations, the elastic energy to 1e-6 and the largest von Mises stress
    /// to 1e-5 (measured: 6e-9 and 4e-7); the last snapshot through ParaView's reader: d and u to 1e-5
    /// of each field's largest value, the stresses to 1e-5 (measured: 1.2e-6).
    /// </summary>
    [Fact]
    public void AFractureRunGivesTheSameCrackOnOneTwoAndFourRanks()
    {
        Assert.True(File.Exists("/usr/bin/pvpython"), "needs Debian's python3-paraview (.ci/run installs it)");
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        string penny = File.ReadAllText(Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", "penny-crack-3d.toml"));
        string small = penny;
        foreach (var (from, to) in new[] { ("cells = [32, 32, 32]", "cells = [16, 16, 16]"), ("end = 11.0", "end = 4.0"),
                     ("output_interval = 5.0", "output_interval = 2.0"), ("radius = 8.0e-6", "radius = 6.0e-6"),
                     ("crack_pressure = 150.0e6", "crack_pressure = 100.0e6"), ("crack_pressure_rate = 5.0e6", "crack_pressure_rate = 10.0e6") })
        {
            Assert.Contains(from, small);
            small = small.Replace(from, to);
        }
        File.WriteAllText(casePath, small);
        string script = Path.Combine(CaseFileErrorTests.RepoRoot(), "tools", "read_fields.py");
        (List<Dictionary<string, double>> Rows, Dictionary<string, double[]> Fields) Run(int n)
        {
            string run = Path.Combine(dir, $"ranks{n}");
            string[] command = ["dotnet", Program, "run", casePath, "--backend", "cpu", "--output", run];
            var (exit, stdout, err) = n == 1 ? Launch(command[0], command[1..]) : Launch("mpirun", ["--oversubscribe", "-n", n.ToString(), .. command]);
            output.WriteLine($"-- {n} rank(s), exit {exit}\n{stdout}{err}");
            Assert.Equal(0, exit);
            var lines = File.ReadAllLines(Path.Combine(run, "fracture.csv"));
            var header = lines[0].Split(',');
            var rows = lines.Skip(1).Select(l => header.Zip(l.Split(','))
                .ToDictionary(p => p.First, p => double.Parse(p.Second, System.Globalization.CultureInfo.InvariantCulture))).ToList();
            var (readExit, json, readErr) = Launch("/usr/bin/pvpython", [script, Path.Combine(run, "fields.xdmf")]);
            Assert.True(readExit == 0, $"pvpython: {readErr}");
            using var doc = System.Text.Json.JsonDocument.Parse(json.Split('\n').Last(l => l.TrimStart().StartsWith('{')));
            Assert.Equal([16, 16, 16], doc.RootElement.GetProperty("cells").EnumerateArray().Select(v => v.GetInt32()));
            var fields = doc.RootElement.GetProperty("arrays").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray());
            return (rows, fields);
        }
        var one = Run(1);
        Assert.True(one.Rows[^1]["crack_area_m2"] > one.Rows[0]["crack_area_m2"], "the crack must grow in this case");
        foreach (int n in new[] { 2, 4 })
        {
            var many = Run(n);
            Assert.Equal(one.Rows.Count, many.Rows.Count);
            foreach (var (a, b) in one.Rows.Zip(many.Rows))
            {
                foreach (string exact in new[] { "crack_area_m2", "crack_extent_m", "stagger_iterations", "elastic_iterations" })
                    Assert.True(a[exact] == b[exact], $"{n} ranks, step {a["step"]}: {exact} {b[exact]:R} vs {a[exact]:R} on one");
                foreach (var (column, tolerance) in new[] { ("elastic_energy_J", 1e-6), ("max_von_mises_Pa", 1e-5) })
                    Assert.True(Math.Abs(a[column] - b[column]) <= tolerance * Math.Abs(a[column]),
                        $"{n} ranks, step {a["step"]}: {column} {b[column]:R} vs {a[column]:R} on one");
            }
            foreach (var (name, tolerance) in new[] { ("damage", 1e-5), ("ux", 1e-5), ("uy", 1e-5), ("uz", 1e-5), ("von_mises", 1e-5),
                         ("pressure", 1e-5) })
            {
                double scale = one.Fields[name].Max(Math.Abs);
                double worst = many.Fields[name].Zip(one.Fields[name]).Max(p => Math.Abs(p.First - p.Second));
                output.WriteLine($"{n} ranks: {name}: max |Δ| = {worst:E2} (largest value {scale:E3})");
                Assert.True(worst <= tolerance * scale, $"{n} ranks: {name} differs by {worst:E2} (largest value {scale:E3})");
            }
        }
    }

    /// <summary>
    /// `run` of a 16-plane case on 9 ranks (each needs 2 planes) and with no MPI library: one clear
    /// error each, nothing written; `check` of the case says it runs on 1 to 8 ranks.
    /// </summary>
    [Fact]
    public void ABadDistributedLaunchOfARunIsOneClearError()
    {
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, TestCases.TinyCrack);
        string run = Path.Combine(dir, "run");
        var (exit, _, err) = Launch("mpirun", ["--oversubscribe", "-n", "9", "dotnet", Program, "run", casePath, "--backend", "cpu", "--output", run]);
        output.WriteLine(err);
        Assert.NotEqual(0, exit);
        Assert.Equal(1, err.Split('\n').Count(l => l.Contains("error: ")));
        Assert.Contains("9 ranks for a grid of 16 z-planes", err);
        Assert.Contains("at most 8 ranks", err);
        Assert.Empty(Directory.GetFiles(run));
        // `check` says beforehand how many ranks a case can run on.
        var (checkExit, checkOut, _) = Launch("dotnet", [Program, "check", casePath]);
        Assert.Equal(0, checkExit);
        Assert.Contains("MPI: runs on 1 to 8 ranks", checkOut);

        (exit, _, err) = Launch("mpirun", ["--oversubscribe", "-x", "PFLI_MPI_LIBRARY=libmpi-that-is-not-here.so.1", "-n", "2", "dotnet", Program, "run",
            casePath, "--backend", "cpu", "--output", run]);
        output.WriteLine(err);
        Assert.NotEqual(0, exit);
        Assert.Equal(1, err.Split('\n').Count(l => l.Contains("error: ")));
        Assert.Contains("no MPI library found", err);
        Assert.Empty(Directory.GetFiles(run));
    }

    /// <summary>
    /// A bipolar case small enough for CI: Li | LLZO | Li at 15 A/m², an isolated Li inclusion (planes
    /// 15–27 of 40) in a longer crack, so it spans the slab boundary of 2 ranks (plane 20) and of 4
    /// (planes 10, 20, 30: it lies on ranks 1 and 2).
    /// </summary>
    private static readonly string BipolarAcrossSlabs = Bipolar("bipolar-across-slabs", [12, 12, 40], endS: 400, outputS: 200,
        positiveLiM: 8e-6, growthRoomM: 6e-6, crack: ([8e-6, 4e-6, 22e-6], [14e-6, 20e-6, 66e-6]), liZM: (30e-6, 56e-6), method: "jacobi-cg");

    /// <summary>
    /// Li | LLZO | Li at 15 A/m² (h = 2 µm, 4 µm of negative Li on a 2 µm collector), a Li-filled
    /// stretch (liZM) of an empty crack box: the bipolar inclusion, in the case file's words.
    /// </summary>
    private static string Bipolar(string name, int[] cells, double endS, double outputS, double positiveLiM, double growthRoomM,
        (double[] Min, double[] Max) crack, (double Low, double High) liZM, string method)
    {
        string R(double x) => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var (lo, hi) = crack;
        return $"""
            name = "{name}"
            {CaseText.Grid(cells[0], cells[1], cells[2], 2.0e-6)}
            [time]
            end = {R(endS)}
            max_step = 50.0
            output_interval = {R(outputS)}
            [electrochemistry]
            control = "galvanostatic"
            current_density = 15.0
            sigma_llzo = 0.05
            exchange_current_density = 50.0
            [phase_field]
            interface_width = 3.0e-6
            mobility = 1.0e-9
            confine_to_damage = true
            {CaseText.Electrodes(2.0e-6, 4.0e-6, positiveLiM, growthRoomM)}
            {CaseText.Box((lo[0], lo[1], lo[2]), (hi[0], hi[1], hi[2]), damage: 1)}
            {CaseText.Box((lo[0], lo[1], liZM.Low), (hi[0], hi[1], liZM.High), damage: 1, li: 1)}
            [solver]
            method = "{method}"
            tolerance = 1.0e-7
            """;
    }

    /// <summary>
    /// The distributed time loop: the bipolar case run by one process and by `mpirun -n 2` and `-n 4`
    /// (8 steps to 400 s: potential solves with the floating body, Li update, relabelling) gives the
    /// same fields, read back through the XDMF index by ParaView's reader, to 1e-5 of each field's
    /// largest value (the ranks add their owned parts of every dot product and MPI adds the partial
    /// sums, so the double sums can differ in the last digit; none of that has reached a float here,
    /// but the test allows it); the same labels, with the inclusion one body on both sides of the
    /// slab boundaries; the same time series (cell voltage and the body's potential to 1e-6), and the
    /// body's Li conserved to 1e-6 on every rank count.
    /// </summary>
    [Fact]
    public void ABipolarRunGivesTheSameFieldsOnOneTwoAndFourRanks()
    {
        Assert.True(File.Exists("/usr/bin/pvpython"), "needs Debian's python3-paraview (.ci/run installs it)");
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, BipolarAcrossSlabs);
        var fields = new Dictionary<int, Dictionary<string, double[]>>();
        var series = new Dictionary<int, List<Dictionary<string, double>>>();
        foreach (int n in new[] { 1, 2, 4 }) (fields[n], series[n], _) = RunOnRanks(casePath, n, Path.Combine(dir, $"ranks{n}"));

        foreach (int n in new[] { 2, 4 })
        {
            foreach (string name in new[] { "xi", "phi", "deposition_rate" })
            {
                double scale = fields[1][name].Max(Math.Abs);
                double worst = fields[n][name].Zip(fields[1][name]).Max(p => Math.Abs(p.First - p.Second));
                output.WriteLine($"{n} ranks: {name}: max |Δ| = {worst:E2} (largest value {scale:E3})");
                Assert.True(worst <= 1e-5 * scale, $"{n} ranks: {name} differs by {worst:E2} (largest value {scale:E3})");
            }
            Assert.Equal(fields[1]["label"], fields[n]["label"]);
            Assert.Equal(series[1].Count, series[n].Count);
            foreach (string column in new[] { "cell_voltage_V", "body2_potential_V", "body2_li_volume_m3" })
                Assert.All(series[1].Zip(series[n]), p =>
                    Assert.True(Math.Abs(p.First[column] - p.Second[column]) <= 1e-6 * Math.Abs(p.First[column]),
                        $"{n} ranks, step {p.First["step"]}: {column} {p.Second[column]:R} vs {p.First[column]:R} on one"));
        }
        // One isolated body, on both sides of the slab boundaries (plane 20; 4 ranks: ranks 1 and 2 own it).
        var label = fields[4]["label"];
        Assert.Equal([2.0], label.Where(l => l >= 2).Distinct());
        int plane = 12 * 12;
        Assert.True(label.Take(20 * plane).Count(l => l == 2) > 0 && label.Skip(20 * plane).Count(l => l == 2) > 0,
            "the inclusion must lie on both sides of plane 20");
        foreach (int n in new[] { 1, 2, 4 })
        {
            double first = series[n][0]["body2_li_volume_m3"], last = series[n][^1]["body2_li_volume_m3"];
            output.WriteLine($"{n} rank(s): inclusion Li {first:E6} → {last:E6} m³ (drift {(last - first) / first:E2})");
            Assert.True(Math.Abs(last - first) <= 1e-6 * first, $"{n} rank(s): the inclusion's Li drifted by {(last - first) / first:E2}");
        }
    }

    /// <summary>
    /// `phasefield run` of a case by one process (n = 1) or by `mpirun -n n`; the last snapshot read
    /// back through the XDMF index by ParaView's reader, and the time series by column name.
    /// </summary>
    private (Dictionary<string, double[]> Fields, List<Dictionary<string, double>> Series, string Log) RunOnRanks(string casePath, int n,
        string run, int[]? cells = null)
    {
        string script = Path.Combine(CaseFileErrorTests.RepoRoot(), "tools", "read_fields.py");
        string[] command = ["dotnet", Program, "run", casePath, "--backend", "cpu", "--output", run];
        var (exit, stdout, err) = n == 1 ? Launch(command[0], command[1..]) : Launch("mpirun", ["--oversubscribe", "-n", n.ToString(), .. command]);
        output.WriteLine($"-- {n} rank(s), exit {exit}\n{stdout}{err}");
        Assert.Equal(0, exit);
        Assert.Equal(n == 1 ? 0 : n, Directory.GetFiles(run, "checkpoint_r???.h5").Length);
        Assert.Equal(n == 1 ? 0 : n, Directory.GetFiles(run, "fields_00002_r*.h5").Length);
        var (readExit, json, readErr) = Launch("/usr/bin/pvpython", [script, Path.Combine(run, "fields.xdmf")]);
        Assert.True(readExit == 0, $"pvpython: {readErr}");
        using var doc = System.Text.Json.JsonDocument.Parse(json.Split('\n').Last(l => l.TrimStart().StartsWith('{')));
        Assert.Equal(cells ?? [12, 12, 40], doc.RootElement.GetProperty("cells").EnumerateArray().Select(v => v.GetInt32()));
        var fields = doc.RootElement.GetProperty("arrays").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray());
        var lines = File.ReadAllLines(Path.Combine(run, "timeseries.csv"));
        var header = lines[0].Split(',');
        var series = lines.Skip(1).Select(l => header.Zip(l.Split(','))
            .ToDictionary(p => p.First, p => double.Parse(p.Second, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        return (fields, series, stdout + err);
    }

    /// <summary>
    /// The distributed multigrid (DistributedMultigrid: the V-cycle on slabs, halo exchange per
    /// smoothing colour, the coarsest levels gathered): the case with method = "mgcg" on 2, 3 and 4 ranks
    /// gives the one-process multigrid run's fields to 1e-5 of each field's largest value with the
    /// same CG iteration count every step (measured: identical fields and counts) — the levels are
    /// distributed down to 6 × 6 × 20 and gathered at 3 × 3 × 10. On 3 ranks the slabs (14, 13, 13
    /// planes) start on odd planes, so a coarse cell's children lie on two ranks.
    /// </summary>
    [Fact]
    public void TheMultigridOnSlabsGivesTheOneProcessAnswer()
    {
        Assert.True(File.Exists("/usr/bin/pvpython"), "needs Debian's python3-paraview (.ci/run installs it)");
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, BipolarAcrossSlabs.Replace("method = \"jacobi-cg\"", "method = \"mgcg\""));
        var one = RunOnRanks(casePath, 1, Path.Combine(dir, "ranks1"));
        foreach (int n in new[] { 2, 3, 4 })
        {
            var many = RunOnRanks(casePath, n, Path.Combine(dir, $"ranks{n}"));
            foreach (string name in new[] { "xi", "phi", "deposition_rate" })
            {
                double scale = one.Fields[name].Max(Math.Abs);
                double worst = many.Fields[name].Zip(one.Fields[name]).Max(p => Math.Abs(p.First - p.Second));
                output.WriteLine($"{n} ranks: {name}: max |Δ| = {worst:E2} (largest value {scale:E3})");
                Assert.True(worst <= 1e-5 * scale, $"{n} ranks: {name} differs by {worst:E2} (largest value {scale:E3})");
            }
            Assert.Equal(one.Fields["label"], many.Fields["label"]);
            Assert.Equal(one.Series.Select(r => r["linear_iterations"]), many.Series.Select(r => r["linear_iterations"]));
        }
    }

    /// <summary>
    /// Ctrl+C and resume on several ranks: a 2-rank run of 24 steps gets SIGINT (through mpirun) once
    /// its second snapshot is on disk; every rank must stop after the same step and write its
    /// checkpoint; `run --resume checkpoint_r000.h5` on 2 ranks then finishes the run, and each
    /// rank's final checkpoint holds the fields of an uninterrupted 2-rank run (measured: identical).
    /// Resuming on another rank count is one error.
    /// </summary>
    [Fact]
    public void ARunStoppedOnTwoRanksResumesWhereItStopped()
    {
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, BipolarAcrossSlabs.Replace("end = 400", "end = 1200"));
        string[] Run(string output) => ["--oversubscribe", "-n", "2", "dotnet", Program, "run", casePath, "--backend", "cpu", "--output", output];
        string whole = Path.Combine(dir, "whole"), split = Path.Combine(dir, "split");
        var (exit, _, err) = Launch("mpirun", Run(whole));
        Assert.True(exit == 0, err);

        void InterruptAfterSecondSnapshot(Process p)
        {
            string file = Path.Combine(split, PhaseFieldLi.Distributed.SlabSnapshotWriter.FileName(1, 1));
            var clock = Stopwatch.StartNew();
            while (!p.HasExited && !File.Exists(file) && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(20);
            if (!p.HasExited) Process.Start("kill", ["-INT", p.Id.ToString()])!.WaitForExit();
        }
        (exit, var stdout, err) = Launch("mpirun", Run(split), whileRunning: InterruptAfterSecondSnapshot);
        output.WriteLine($"interrupted run: exit {exit}\n{stdout}{err}");
        var stopped = new[] { 0, 1 }.Select(r =>
        {
            using var f = H5File.OpenRead(Path.Combine(split, Checkpoint.RankFileName(r)));
            return (Step: f.Attribute("step").Read<int>(), TimeS: f.Attribute("time_s").Read<double>());
        }).ToArray();
        output.WriteLine($"stopped at step {stopped[0].Step} (t = {stopped[0].TimeS} s) on rank 0, {stopped[1].Step} on rank 1");
        Assert.Equal(stopped[0], stopped[1]);
        Assert.InRange(stopped[0].TimeS, 200, 1200 - 1e-6); // stopped between the second snapshot and the end

        var resume = Path.Combine(split, Checkpoint.RankFileName(0));
        (exit, _, err) = Launch("mpirun", ["--oversubscribe", "-n", "4", "dotnet", Program, "run", "--resume", resume, "--backend", "cpu"]);
        Assert.NotEqual(0, exit);
        Assert.Contains("written by 2 rank(s), this is 4: resume on 2", err);
        (exit, _, err) = Launch("mpirun", ["--oversubscribe", "-n", "2", "dotnet", Program, "run", "--resume", resume, "--backend", "cpu"]);
        Assert.True(exit == 0, err);
        foreach (int r in new[] { 0, 1 })
        {
            using var a = H5File.OpenRead(Path.Combine(whole, Checkpoint.RankFileName(r)));
            using var b = H5File.OpenRead(Path.Combine(split, Checkpoint.RankFileName(r)));
            Assert.Equal(a.Attribute("step").Read<int>(), b.Attribute("step").Read<int>());
            foreach (string name in new[] { "xi", "phi", "li_history" })
                Assert.Equal(a.Dataset(name).Read<float[]>(), b.Dataset(name).Read<float[]>());
            Assert.Equal(a.Dataset("label").Read<int[]>(), b.Dataset("label").Read<int[]>());
            Assert.Equal(a.Dataset("body_potential").Read<float[]>(), b.Dataset("body_potential").Read<float[]>());
        }
    }

    /// <summary>
    /// The device path of a distributed run — ghost planes staged through the host from device
    /// buffers, the owned-range wrappers and the slab multigrid's block copies compiled as ILGPU
    /// kernels — on ILGPU's CPU emulator (the CUDA and OpenCL backends share that code): one step of
    /// a 8 × 8 × 24 bipolar case (the inclusion spans the slab boundary at plane 12) on 2 ranks with
    /// --backend ilgpu-cpu gives the fields of the same 2 ranks on cpu to 1e-5 of each field's
    /// largest value (measured: identical).
    /// </summary>
    [Fact]
    public void TheIlgpuBackendRunsOnSlabsLikeTheHostBackend()
    {
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, Bipolar("bipolar-tiny", [8, 8, 24], endS: 50, outputS: 50, positiveLiM: 6e-6, growthRoomM: 4e-6,
            crack: ([6e-6, 4e-6, 14e-6], [10e-6, 12e-6, 30e-6]), liZM: (18e-6, 26e-6), method: "mgcg"));
        var labels = RunOnTwoRanksOnBothBackends(casePath, ["xi", "phi", "deposition_rate"], 8 * 8 * 24);
        Assert.Contains(2, labels);
    }

    /// <summary>
    /// The mechanics' device path on slabs (nodal ghost planes staged from device buffers, the
    /// element passes and the owned-block wrappers as ILGPU kernels, the slab elastic multigrid): one
    /// 50 s step of the tiny coupled case (cleavage plane normal to z) on 2 ranks with --backend
    /// ilgpu-cpu gives the 2-rank cpu fields — ξ, φ, d, the stresses — to 1e-5 of each field's
    /// largest value (measured: identical).
    /// </summary>
    [Fact]
    public void TheIlgpuBackendRunsTheMechanicsOnSlabsLikeTheHostBackend()
    {
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, TestCases.TinyCoupled.Replace("cleavage_normal = [1, 0, 0]", "cleavage_normal = [0, 0, 1]")
            .Replace("end = 150.0", "end = 50.0").Replace("output_interval = 100.0", "output_interval = 50.0"));
        RunOnTwoRanksOnBothBackends(casePath, ["xi", "phi", "damage", "pressure", "von_mises"], 8 * 8 * 16);
    }

    /// <summary>
    /// Runs a case on 2 ranks with --backend cpu and ilgpu-cpu; the named float fields of snapshot 1
    /// (the rank files read with PureHDF and joined along z) must agree to 1e-5 of each field's
    /// largest value, the labels exactly. Returns the labels.
    /// </summary>
    private int[] RunOnTwoRanksOnBothBackends(string casePath, string[] names, int cells)
    {
        string dir = Path.GetDirectoryName(casePath)!;
        var floats = new Dictionary<(string Backend, string Name), float[]>();
        var labels = new Dictionary<string, int[]>();
        foreach (string backend in new[] { "cpu", "ilgpu-cpu" })
        {
            string run = Path.Combine(dir, backend);
            var (exit, stdout, err) = Launch("mpirun", ["--oversubscribe", "-n", "2", "dotnet", Program, "run", casePath, "--backend", backend, "--output", run]);
            output.WriteLine($"-- {backend}, exit {exit}\n{stdout}{err}");
            Assert.Equal(0, exit);
            var files = new[] { 0, 1 }.Select(r => H5File.OpenRead(Path.Combine(run, PhaseFieldLi.Distributed.SlabSnapshotWriter.FileName(1, r)))).ToList();
            foreach (string name in names)
                floats[(backend, name)] = files.SelectMany(f => f.Dataset(name).Read<float[]>()).ToArray();
            labels[backend] = files.SelectMany(f => f.Dataset("label").Read<int[]>()).ToArray();
            files.ForEach(f => f.Dispose());
        }
        foreach (string name in names)
        {
            var a = floats[("cpu", name)];
            var b = floats[("ilgpu-cpu", name)];
            double scale = a.Max(v => Math.Abs((double)v));
            double worst = a.Zip(b).Max(p => Math.Abs((double)p.First - p.Second));
            output.WriteLine($"{name}: max |Δ| = {worst:E2} (largest value {scale:E3})");
            Assert.Equal(cells, b.Length);
            Assert.True(worst <= 1e-5 * scale, $"{name}: ilgpu-cpu differs from cpu by {worst:E2} (largest value {scale:E3})");
        }
        Assert.Equal(labels["cpu"], labels["ilgpu-cpu"]);
        return labels["cpu"];
    }

    /// <summary>
    /// Distributed output: each rank writes its own slab, rank 0 an XDMF index that joins them along z.
    /// ParaView's XDMF reader (pvpython, an independent reader) must see one 8 × 8 × 30 grid whose
    /// cells hold their own global index whatever the rank count, owned by ranks in slab order with
    /// the decomposition's plane counts (30 planes on 4 ranks: 8, 8, 7, 7), and the same solution
    /// on 2 and 4 ranks as on 1 — and the same body labels (the model's labelling rules), bodies that span ranks included.
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

[CollectionDefinition(DistributedTests.Serial, DisableParallelization = true)]
public class MpiRunsAlone;
