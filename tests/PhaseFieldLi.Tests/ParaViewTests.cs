using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// ParaView itself (Debian's pvpython, headless on its own Xvfb display) opens a run's XDMF index through
/// tools/render.py, renders the iso-surfaces and the φ slice to PNG (and a frame per snapshot time),
/// and reports the arrays it read.
/// </summary>
public class ParaViewTests(ITestOutputHelper output)
{
    private static async Task<(Process Server, int Display)> StartXvfb()
    {
        for (int display = 100 + Environment.ProcessId % 300; display < 1000; display++)
        {
            if (File.Exists($"/tmp/.X{display}-lock") || File.Exists($"/tmp/.X11-unix/X{display}")) continue;
            var server = Process.Start(new ProcessStartInfo("/usr/bin/Xvfb", [$":{display}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
                { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var wait = Stopwatch.StartNew();
            while (!File.Exists($"/tmp/.X11-unix/X{display}") && !server.HasExited && wait.Elapsed < TimeSpan.FromSeconds(30))
                await Task.Delay(100);
            await Task.Delay(300); // listening once the socket exists; a moment more under load
            if (!server.HasExited) return (server, display);
            server.Dispose();
        }
        throw new InvalidOperationException("no free X display for Xvfb");
    }

    [Fact]
    public async Task ParaViewOpensTheRunAndSeesEveryFieldWithItsShapeAndRange()
    {
        // The quickstart case itself (≈ 20 s on 2 cores), as users run it.
        string dir = TestCases.TempDir();
        string quickstart = File.ReadAllText(Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", "quickstart.toml"));
        var r = TestCases.Run(quickstart, output: dir);
        string png = Path.Combine(dir, "render.png");
        string script = Path.Combine(CaseFileErrorTests.RepoRoot(), "tools", "render.py");
        Assert.True(File.Exists("/usr/bin/pvpython") && File.Exists("/usr/bin/Xvfb"),
            "needs Debian's python3-paraview and xvfb (.ci/run installs them)");
        // Our own virtual X server (xvfb-run's readiness handshake relies on SIGUSR1, which a test
        // host may have ignored): a display with no lock or socket left, Xvfb up and listening.
        var (xvfb, display) = await StartXvfb();
        string stdout, stderr;
        int exit;
        try
        {
            // Under load the fresh server may still refuse the first connections: up to eight tries.
            stdout = stderr = "";
            exit = -1;
            for (int attempt = 1; attempt <= 8 && exit != 0; attempt++)
            {
                var psi = new ProcessStartInfo("/usr/bin/pvpython", [script, dir, png, "--frames", Path.Combine(dir, "frames")]) { RedirectStandardOutput = true, RedirectStandardError = true };
                psi.Environment["DISPLAY"] = $":{display}";
                using var p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEndAsync();
                stdout = await p.StandardOutput.ReadToEndAsync();
                Assert.True(p.WaitForExit(180_000), "pvpython hung");
                stderr = await err;
                exit = p.ExitCode;
                if (exit == 0 || !stderr.Contains("bad X server connection")) break;
                output.WriteLine($"attempt {attempt}: X server :{display} not ready (Xvfb alive: {!xvfb.HasExited})");
                await Task.Delay(1000 * attempt);
            }
        }
        finally
        {
            // SIGTERM, so that Xvfb removes its lock and socket (SIGKILL would leave them behind).
            using (var kill = Process.Start("kill", ["-TERM", xvfb.Id.ToString()])) await kill.WaitForExitAsync();
            if (!xvfb.WaitForExit(10_000)) xvfb.Kill();
            xvfb.Dispose();
        }
        Assert.True(exit == 0, $"pvpython failed: {stderr}");
        string json = stdout.Split('\n').Last(l => l.TrimStart().StartsWith('{'));
        output.WriteLine(json);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var times = root.GetProperty("times").EnumerateArray().Select(t => t.GetDouble()).ToList();
        Assert.Equal(0.0, times[0]);
        Assert.Equal(r.Summary.TimeS, times[^1], 6);
        Assert.Equal([20, 20, 120], root.GetProperty("cells").EnumerateArray().Select(c => c.GetInt32()));
        Assert.Equal(7, times.Count); // 0, 500, …, 3000 s
        var arrays = root.GetProperty("arrays");
        Assert.Equal(["damage", "deposition_rate", "label", "phi", "xi"],
            arrays.EnumerateObject().Select(a => a.Name).OrderBy(n => n, StringComparer.Ordinal));
        foreach (var a in arrays.EnumerateObject())
        {
            Assert.Equal(20 * 20 * 120, a.Value.GetProperty("tuples").GetInt32());
            Assert.Equal(1, a.Value.GetProperty("components").GetInt32());
        }
        var xi = arrays.GetProperty("xi").GetProperty("range").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(r.Xi.Min(), xi[0], 5);
        Assert.Equal(r.Xi.Max(), xi[1], 5);
        // φ as written: ionic in the electrolyte, each metal body's own potential in its cells (ξ above
        // label_threshold) — so the range ParaView shows is [0 V (negative electrode), cell voltage],
        // not the meaningless ionic φ in the metal.
        var phi = arrays.GetProperty("phi").GetProperty("range").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var written = r.PhiVolts.Select((p, n) => r.Label[n] >= 0 && r.Xi[n] > r.Scaling.Li.LabelThreshold ? r.BodyPotentialsV[r.Label[n]] : p).ToArray();
        Assert.Equal(written.Min(), phi[0], 5);
        Assert.Equal(written.Max(), phi[1], 5);
        Assert.Equal(0.0, phi[0], 6);
        Assert.Equal(r.CellVoltageV, phi[1], 5);
        Assert.True(r.PhiVolts.Min() < -1e-3 || r.PhiVolts.Max() > r.CellVoltageV + 1e-3,
            "the ionic φ in the metal leaves [0, V_cell] in this case (else the test checks nothing)");
        var label = arrays.GetProperty("label").GetProperty("range").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal([-1.0, 1.0], label);    // no-body cells, and both electrodes (no isolated body)
        var damage = arrays.GetProperty("damage").GetProperty("range").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal([0.0, 1.0], damage);
        Assert.True(new FileInfo(png).Length > 10_000, "the rendered PNG is missing or empty");
        // --frames: one PNG per snapshot time, in time order, for a film of the run.
        var frames = root.GetProperty("frames").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.Equal(times.Select((_, n) => Path.Combine(dir, "frames", $"frame_{n:D4}.png")), frames);
        Assert.All(frames, f => Assert.True(new FileInfo(f).Length > 10_000, $"{f} is missing or empty"));
        Assert.Equal(Directory.GetFiles(Path.Combine(dir, "frames")).Order(StringComparer.Ordinal), frames);
        // The view as a ParaView state beside the PNG and fields.xdmf: it reads this run's index and
        // holds the colour bar and the title and time texts.
        string state = Path.Combine(dir, "render.pvsm");
        Assert.Equal(state, root.GetProperty("state").GetString());
        var xml = System.Xml.Linq.XDocument.Load(state);
        Assert.Contains(xml.Descendants("Element"), e => ((string?)e.Attribute("value"))?.EndsWith("fields.xdmf") == true);
        Assert.Contains(xml.Descendants("Proxy"), e => (string?)e.Attribute("type") == "ScalarBarWidgetRepresentation");
        Assert.Equal(2, xml.Descendants("Proxy").Count(e => (string?)e.Attribute("group") == "sources" && (string?)e.Attribute("type") == "TextSource"));
    }
}
