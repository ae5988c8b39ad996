using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// ParaView itself (Debian's pvpython, headless under xvfb-run) opens a run's XDMF index through
/// tools/render.py, renders the iso-surfaces and the φ slice to PNG, and reports the arrays it read.
/// </summary>
public class ParaViewTests(ITestOutputHelper output)
{
    [Fact]
    public void ParaViewOpensTheRunAndSeesEveryFieldWithItsShapeAndRange()
    {
        string dir = TestCases.TempDir();
        var r = TestCases.Run(TestCases.TinyCrack, output: dir);
        string png = Path.Combine(dir, "render.png");
        string script = Path.Combine(CaseFileErrorTests.RepoRoot(), "tools", "render.py");
        Assert.True(File.Exists("/usr/bin/pvpython") && File.Exists("/usr/bin/xvfb-run"),
            "needs Debian's python3-paraview and xvfb (.ci/run installs them)");
        var psi = new ProcessStartInfo("/usr/bin/xvfb-run", ["-a", "/usr/bin/pvpython", script, dir, png])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["QT_QPA_PLATFORM"] = "offscreen";
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(180_000), "pvpython hung");
        Assert.True(p.ExitCode == 0, $"pvpython failed: {stderr}");
        string json = stdout.Split('\n').Last(l => l.TrimStart().StartsWith('{'));
        output.WriteLine(json);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var times = root.GetProperty("times").EnumerateArray().Select(t => t.GetDouble()).ToList();
        Assert.Equal(0.0, times[0]);
        Assert.Equal(r.Summary.TimeS, times[^1], 6);
        Assert.Equal([8, 8, 16], root.GetProperty("cells").EnumerateArray().Select(c => c.GetInt32()));
        var arrays = root.GetProperty("arrays");
        Assert.Equal(["damage", "deposition_rate", "label", "phi", "xi"],
            arrays.EnumerateObject().Select(a => a.Name).OrderBy(n => n, StringComparer.Ordinal));
        foreach (var a in arrays.EnumerateObject())
        {
            Assert.Equal(8 * 8 * 16, a.Value.GetProperty("tuples").GetInt32());
            Assert.Equal(1, a.Value.GetProperty("components").GetInt32());
        }
        var xi = arrays.GetProperty("xi").GetProperty("range").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(r.Xi.Min(), xi[0], 5);
        Assert.Equal(r.Xi.Max(), xi[1], 5);
        var phi = arrays.GetProperty("phi").GetProperty("range").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(r.PhiVolts.Min(), phi[0], 5);
        Assert.Equal(r.PhiVolts.Max(), phi[1], 5);
        var label = arrays.GetProperty("label").GetProperty("range").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal([-1.0, 1.0], label);
        Assert.True(new FileInfo(png).Length > 10_000, "the rendered PNG is missing or empty");
    }
}
