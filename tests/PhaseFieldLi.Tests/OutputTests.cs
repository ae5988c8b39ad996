using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using PhaseFieldLi.OutputWriters;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>Snapshots read back by an independent reader (h5py under /usr/bin/python3), the XDMF index, atomic writes.</summary>
public class OutputTests(ITestOutputHelper output)
{
    private static string RunPython(string script)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(script);
        p.StandardInput.Close();
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"python3 failed (needs Debian's python3-h5py, installed by .ci/run): {stderr}");
        return stdout;
    }

    /// <summary>docs/output.md lists every time-series column, in the order the CSV writes them.</summary>
    [Fact]
    public void EveryTimeSeriesColumnIsDocumented()
    {
        string doc = File.ReadAllText(Path.Combine(CaseFileErrorTests.RepoRoot(), "docs", "output.md"));
        string series = doc[doc.IndexOf("## Time series", StringComparison.Ordinal)..];
        var documented = series.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('`')[1]).ToList();
        Assert.Equal(DiagnosticsRow.CsvHeader.Split(','), documented);
    }

    [Fact]
    public void FractureRunWritesMechanicsFieldsThatH5pyReadsBack()
    {
        string dir = TestCases.TempDir();
        var c = PhaseFieldLi.Cases.CaseReader.Parse($"""
            physics = "fracture"
            {CaseText.Grid(8, 8, 8, 1.0e-6)}
            [time]
            end = 2.0
            max_step = 1.0
            [mechanics]
            crack_pressure = 150.0e6
            stack_pressure = 4.0e6
            [fracture]
            cleavage_normal = [0, 0, 1]
            [[flaw]]
            shape = "disc"
            centre = [0.0, 0.0, 0.0]
            radius = 3.0e-6
            thickness = 2.0e-6
            normal = [0, 0, 1]
            """, "fracture");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var host = new PhaseFieldLi.Models.ElectrodepositionModel(c, b);
        using var m = new PhaseFieldLi.Models.FractureModel(host);
        var rows = new PhaseFieldLi.Simulations.FractureSimulation(host, m, dir).Run();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.True(r.Converged));
        var csv = File.ReadAllLines(Path.Combine(dir, "fracture.csv"));
        Assert.Equal(4, csv.Length);
        var damage = host.State.Damage.ToArray();
        double vmMax = m.VonMises.ToArray().Max() * m.StressUnitPa;
        string last = Directory.GetFiles(dir, "fields_*.h5").OrderBy(f => f).Last();
        string stdout = RunPython($$"""
            import h5py, numpy as np
            with h5py.File("{{last}}", "r") as f:
                print(" ".join(sorted(f.keys())))
                print(repr(float(np.sum(f["damage"][...].astype(np.float64)))), repr(float(f["von_mises"][...].max())))
                print(f["von_mises"].attrs["unit"].decode() if isinstance(f["von_mises"].attrs["unit"], bytes) else f["von_mises"].attrs["unit"])
                uz = f["uz"][...]
                print(repr(float(uz[0, 0, 0])), repr(float(uz[-1, 0, 0])))
            """);
        output.WriteLine(stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("damage energy_density history pressure ux uy uz von_mises xi", lines[0]);
        var v = lines[1].Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(damage.Sum(x => (double)x), v[0], 3);
        Assert.Equal(vmMax, v[1], vmMax * 1e-5);
        Assert.Equal("Pa", lines[2]);
        var uz = lines[3].Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(uz[0] > 0, "the pressurised crack at z = 0 pushes the LLZO above it up");
    }

    [Fact]
    public void SnapshotsAndIndexReadBackWithH5py()
    {
        string dir = TestCases.TempDir();
        var r = TestCases.Run(TestCases.TinyCrack, output: dir);

        // The XDMF index lists every snapshot with increasing times and cell-centred attributes.
        var xdmf = XDocument.Load(Path.Combine(dir, "fields.xdmf"));
        var grids = xdmf.Descendants("Grid").Where(g => (string?)g.Attribute("GridType") == "Uniform").ToList();
        var times = grids.Select(g => double.Parse((string)g.Element("Time")!.Attribute("Value")!, CultureInfo.InvariantCulture)).ToList();
        Assert.True(grids.Count >= 3, $"only {grids.Count} snapshots");
        Assert.Equal(times.OrderBy(t => t), times);
        Assert.Equal(r.Summary.TimeS, times[^1], 6);
        var files = grids.SelectMany(g => g.Descendants("DataItem"))
            .Select(d => d.Value.Trim()).Where(v => v.Contains(".h5:")).Select(v => v.Split(':')[0]).Distinct().ToList();
        Assert.Equal(grids.Count, files.Count);
        Assert.All(files, f => Assert.True(File.Exists(Path.Combine(dir, f))));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));

        // An independent HDF5 reader sees the same last field, shape (nz, ny, nx), and the metadata.
        string last = Path.Combine(dir, files[^1]);
        string stdout = RunPython($$"""
            import h5py, numpy as np
            with h5py.File("{{last}}", "r") as f:
                xi = f["xi"][...]
                print(xi.shape[0], xi.shape[1], xi.shape[2])
                print(repr(float(np.sum(xi.astype(np.float64)))), repr(float(xi.min())), repr(float(xi.max())))
                print(repr(float(f.attrs["time_s"])), f["phi"].attrs["unit"].decode() if isinstance(f["phi"].attrs["unit"], bytes) else f["phi"].attrs["unit"])
                print(" ".join(sorted(f.keys())))
                print(f.attrs["case_sha256"].decode() if isinstance(f.attrs["case_sha256"], bytes) else f.attrs["case_sha256"])
                print(" ".join(repr(float(x)) for x in f["phi"][...].ravel()))
            """);
        output.WriteLine(stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("16 8 8", lines[0]);
        var v = lines[1].Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(r.Xi.Sum(x => (double)x), v[0], 3);
        Assert.Equal(r.Xi.Min(), v[1], 6);
        Assert.Equal(r.Xi.Max(), v[2], 6);
        var t = lines[2].Split(' ');
        Assert.Equal(r.Summary.TimeS, double.Parse(t[0], CultureInfo.InvariantCulture), 6);
        Assert.Equal("V", t[1]);
        Assert.Equal("damage deposition_rate label phi xi", lines[3]);
        Assert.Equal(PhaseFieldLi.Cases.CaseReader.Parse(TestCases.TinyCrack, "t").Hash, lines[4]);

        // φ as written: a body's potential in its own cells (ξ above label_threshold), the ionic φ in
        // the interface's diffuse tail (labelled down to rim_threshold, but electrolyte) and elsewhere.
        var written = lines[5].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(r.Xi.Length, written.Length);
        float threshold = r.Scaling.Li.LabelThreshold;
        int tail = 0, body = 0;
        for (int n = 0; n < written.Length; n++)
        {
            if (r.Label[n] < 0 || r.Xi[n] <= threshold)
            {
                Assert.Equal(r.PhiVolts[n], written[n], 6);
                if (r.Label[n] >= 0) tail++;
            }
            else
            {
                Assert.Equal(r.BodyPotentialsV[r.Label[n]], written[n], 6);
                body++;
            }
        }
        Assert.True(tail > 0 && body > 0, $"{tail} tail and {body} body cells: the check needs both");

        // PNG figures of the time series, one per panel, real images.
        foreach (var png in new[] { "cell_voltage.png", "current.png", "tip_position.png", "tip_current_density.png", "li_volume.png" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, png));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            int width = (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19];
            Assert.Equal(900, width);
            Assert.True(bytes.Length > 10_000, $"{png} is nearly empty");
        }

        // The time series has one row per step with the header's column count.
        var csv = File.ReadAllLines(Path.Combine(dir, "timeseries.csv"));
        Assert.Equal(r.Summary.Steps + 1, csv.Length);
        Assert.All(csv, l => Assert.Equal(csv[0].Split(',').Length, l.Split(',').Length));
    }

    [Fact]
    public void FailedWriteLeavesThePreviousFileIntact()
    {
        string dir = TestCases.TempDir();
        string path = Path.Combine(dir, "x.h5");
        AtomicFile.WriteText(path, "good");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new IOException("disk full (simulated)");
        }));
        Assert.Equal("good", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir));
    }

    /// <summary>
    /// The quickstart's figures: every one is a PNG; its y range, as the plot reports it, holds all its
    /// data with at most 20 % to spare beyond the larger of the data's span and 5 % of its largest
    /// value; and the currents (24 nA, constant to solver noise) span at least 5 % of 24 nA rather than
    /// magnifying the noise.
    /// </summary>
    [Fact]
    public void QuickstartPlotsShowTheirDataOnSensibleAxes()
    {
        string quickstart = File.ReadAllText(Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", "quickstart.toml"));
        string dir = TestCases.TempDir();
        var run = TestCases.Run(PhaseFieldLi.Cases.CaseOverrides.Apply(quickstart, ["time.end=1000"]), output: dir);
        var summary = run.Summary;
        var figures = TimeSeriesPlots.Write(dir, summary.Rows, PhaseFieldLi.Models.Scaling.Faraday / run.Scaling.MolarVolume, summary.HasTip);
        Assert.Equal(["cell_voltage.png", "current.png", "tip_position.png", "tip_current_density.png", "li_volume.png"],
            figures.Select(f => Path.GetFileName(f.Path)));
        foreach (var f in figures)
        {
            output.WriteLine($"{Path.GetFileName(f.Path)}: y {f.YMin:G4} … {f.YMax:G4}, data {f.DataMin:G4} … {f.DataMax:G4}");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(f.Path)[..4]);
            Assert.True(f.YMin <= f.DataMin && f.YMax >= f.DataMax, $"{f.Path}: data outside the axes");
            double largest = Math.Max(Math.Abs(f.DataMin), Math.Abs(f.DataMax));
            double span = Math.Max(f.DataMax - f.DataMin, 0.05 * largest);
            Assert.True(f.YMax - f.YMin <= 1.2 * span, $"{f.Path}: y range {f.YMax - f.YMin:G3} for data needing {span:G3}");
        }
        var current = figures.Single(f => f.Path.EndsWith("current.png"));
        Assert.True(current.DataMax - current.DataMin < 1e-3 * current.DataMax, "the currents are constant here (else this checks nothing)");
        Assert.True(current.YMax - current.YMin >= 0.05 * current.DataMax, "the current's axis magnifies its round-off");
    }

    /// <summary>
    /// The tip's plots and the run summary's tip line belong to runs whose negative electrode grew a tip:
    /// the tiny crack's Li-filled flaw stands 6 µm (3 cells) above the flat electrode; without its flaws
    /// the electrode is flat and only plates uniformly, so it has none, and no tip plots are drawn.
    /// </summary>
    [Fact]
    public void TipPlotsOnlyWhereTheNegativeElectrodeGrewATip()
    {
        string withTip = TestCases.TempDir(), flat = TestCases.TempDir();
        var tip = TestCases.Run(TestCases.TinyCrack, output: withTip);
        var none = TestCases.Run(TestCases.TinyCrack[..TestCases.TinyCrack.IndexOf("[[flaw]]")], output: flat);
        Assert.True(tip.Summary.HasTip);
        Assert.False(none.Summary.HasTip);
        Assert.True(File.Exists(Path.Combine(withTip, "tip_position.png")));
        Assert.True(File.Exists(Path.Combine(withTip, "tip_current_density.png")));
        Assert.False(File.Exists(Path.Combine(flat, "tip_position.png")));
        Assert.False(File.Exists(Path.Combine(flat, "tip_current_density.png")));
        Assert.True(File.Exists(Path.Combine(flat, "cell_voltage.png")));
    }
}
