using System.Diagnostics;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;
using PhaseFieldLi.OutputWriters;
using PhaseFieldLi.Simulations;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>Checkpoint/restart: a resumed run matches an uninterrupted one bit for bit; a killed run leaves a good checkpoint.</summary>
public class CheckpointTests(ITestOutputHelper output)
{
    private static readonly string Case = TestCases.TinyCrack.Replace("output_interval = 100.0", "output_interval = 50.0\ncheckpoint_interval = 40.0");

    private static (float[] Xi, float[] Phi, string Csv) Finish(string dir, Func<ElectrodepositionModel, Simulation> make,
        CancellationToken cancel = default)
    {
        var c = CaseReader.Parse(Case, "ckpt");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var model = new ElectrodepositionModel(c, b);
        var sim = make(model);
        sim.Run(cancel);
        return (model.State.Xi.ToArray(), model.State.Phi.ToArray(), File.ReadAllText(Path.Combine(dir, "timeseries.csv")));
    }

    [Fact]
    public void ResumedRunMatchesUninterruptedRunBitForBit()
    {
        string whole = TestCases.TempDir(), split = TestCases.TempDir();
        var reference = Finish(whole, m => new Simulation(m, whole));

        // Stop after step 2 (as Ctrl+C would), then resume from the checkpoint in a fresh model.
        using var cts = new CancellationTokenSource();
        Finish(split, m =>
        {
            var s = new Simulation(m, split);
            s.StepCompleted += st => { if (st.Step == 2) cts.Cancel(); };
            return s;
        }, cts.Token);
        var ckpt = Checkpoint.Read(Path.Combine(split, Checkpoint.FileName));
        Assert.Equal(2, ckpt.State.Step);
        var resumed = Finish(split, m =>
        {
            m.Restore(ckpt.Fields);
            return new Simulation(m, split) { State = ckpt.State };
        });

        output.WriteLine($"steps in reference: {reference.Csv.Split('\n').Length - 2}");
        Assert.Equal(reference.Xi, resumed.Xi);   // exact float equality, element by element
        Assert.Equal(reference.Phi, resumed.Phi);
        Assert.Equal(reference.Csv, resumed.Csv);
    }

    /// <summary>
    /// --wall-time: a run whose wall-clock limit is spent stops cleanly at a step boundary (LoopEnd.WallTime)
    /// with its checkpoint written, and resuming from that checkpoint ends bit for bit where an
    /// uninterrupted run ends. A limit of 1 µs is spent once the first step has run (a step takes
    /// milliseconds; the loop reads its clock in whole milliseconds), so the run stops after step 1.
    /// </summary>
    [Fact]
    public void AWallTimeLimitCheckpointsAndStopsAndTheRunResumesBitForBit()
    {
        string whole = TestCases.TempDir(), split = TestCases.TempDir();
        var reference = Finish(whole, m => new Simulation(m, whole));

        Simulation? limited = null;
        Finish(split, m => limited = new Simulation(m, split) { WallTimeLimitS = 1e-6 });
        Assert.Equal(LoopEnd.WallTime, limited!.End);
        var ckpt = Checkpoint.Read(Path.Combine(split, Checkpoint.FileName));
        output.WriteLine($"stopped by the wall-time limit at step {ckpt.State.Step}, t = {ckpt.State.TimeS} s");
        Assert.InRange(ckpt.State.Step, 1, 3);
        var resumed = Finish(split, m =>
        {
            m.Restore(ckpt.Fields);
            return new Simulation(m, split) { State = ckpt.State };
        });
        Assert.Equal(reference.Xi, resumed.Xi);
        Assert.Equal(reference.Phi, resumed.Phi);
        Assert.Equal(reference.Csv, resumed.Csv);
    }

    [Fact]
    public void KillingARunNeverLeavesABrokenCheckpoint()
    {
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, Case.Replace("end = 150.0", "end = 100000.0").Replace("checkpoint_interval = 40.0", "checkpoint_interval = 1.0")
            .Replace("max_step = 50.0", "max_step = 2.0"));
        string cli = Path.Combine(AppContext.BaseDirectory, "phasefield.dll");
        var psi = new ProcessStartInfo("dotnet", [cli, "run", casePath, "--backend", "cpu", "--output", dir])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        string ckpt = Path.Combine(dir, Checkpoint.FileName);
        using (var p = Process.Start(psi)!)
        {
            var sw = Stopwatch.StartNew();
            while (!File.Exists(ckpt) && sw.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(50);
            Assert.True(File.Exists(ckpt), "no checkpoint was written");
            Thread.Sleep(700); // checkpoints are now being rewritten every step
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        var state = Checkpoint.Read(ckpt).State; // readable: never half-written
        output.WriteLine($"killed; last good checkpoint at step {state.Step}, t = {state.TimeS} s");
        Assert.True(state.Step > 0);

        // The run continues from it: two more steps.
        File.WriteAllText(casePath, "unused");
        var resume = new ProcessStartInfo("dotnet", [cli, "run", "--resume", ckpt, "--backend", "cpu"])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var p = Process.Start(resume)!)
        {
            var sw = Stopwatch.StartNew();
            int before = state.Step;
            while (sw.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(200);
                try
                {
                    if (Checkpoint.Read(ckpt).State.Step >= before + 2) break;
                }
                catch (IOException) { }
            }
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.True(Checkpoint.Read(ckpt).State.Step >= before + 2, "the resumed run did not advance");
        }
    }
}

/// <summary>Watchdogs stop a run whose numbers went bad, with a message that says which and where.</summary>
public class WatchdogTests
{
    [Fact]
    public void RepeatedlyFailingSolverStopsTheRun()
    {
        string toml = TestCases.TinyCrack + "\n[solver]\nmax_iterations = 1\ntolerance = 1e-8\nmax_failures_in_a_row = 2\n";
        string output = TestCases.TempDir();
        var e = Assert.Throws<WatchdogException>(() => TestCases.Run(toml, output: output));
        Assert.Contains("2 steps in a row", e.Message);
        Assert.Contains("max_failures_in_a_row", e.Message);
        Assert.True(TimeSeriesRows(output) >= 1, "the rows before the stop were not kept");
    }

    /// <summary>The rows of a stopped run's time series, which must be on disk and whole (the header, rows of as many columns).</summary>
    private static int TimeSeriesRows(string output)
    {
        var lines = File.ReadAllLines(Path.Combine(output, "timeseries.csv"));
        Assert.Equal(DiagnosticsRow.CsvHeader, lines[0]);
        int columns = lines[0].Split(',').Length;
        Assert.All(lines.Skip(1), l => Assert.Equal(columns, l.Split(',').Length));
        return lines.Length - 1;
    }

    [Fact]
    public void CollapsingTimeStepStopsTheRun()
    {
        string toml = TestCases.TinyCrack.Replace("max_step = 50.0", "max_step = 50.0\nmax_dxi = 1e-12\nmin_step = 1e-6");
        string output = TestCases.TempDir();
        var e = Assert.Throws<WatchdogException>(() => TestCases.Run(toml, output: output));
        Assert.Contains("min_step", e.Message);
        TimeSeriesRows(output); // on disk and whole, though this run stops in its first step
    }
}

/// <summary>The program refuses, before computing anything, output it could not write.</summary>
public class CommandLineTests
{
    private static (int Exit, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "phasefield.dll"), .. args])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err.GetAwaiter().GetResult());
    }

    /// <summary>Faults issue, item 2: `devices --check --backend cuda` without CUDA crashed with an unhandled exception (exit 134).</summary>
    [SkippableFact]
    public void DevicesCheckOnAMissingDeviceIsOneClearError()
    {
        try
        {
            using var cuda = PhaseFieldLi.Backends.BackendCatalog.Create("cuda");
            Skip.If(true, "this machine has a CUDA device");
        }
        catch (ArgumentException)
        {
        }
        var (exit, err) = Run("devices", "--check", "--backend", "cuda");
        Assert.Equal(2, exit);
        Assert.Contains("--backend cuda", err);
        Assert.DoesNotContain("Unhandled exception", err);
    }

    /// <summary>Faults issue, items 3 and 14: SIGTERM stops a run at the next step with a checkpoint and exit 143 (128 + 15), not 130.</summary>
    [Fact]
    public async Task SigtermCheckpointsAndExits143()
    {
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, TestCases.TinyCrack.Replace("end = 150.0", "end = 100000.0").Replace("max_step = 50.0", "max_step = 2.0")
            .Replace("output_interval = 100.0", "output_interval = 10.0"));
        string output = Path.Combine(dir, "run");
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "phasefield.dll"), "run", casePath, "--backend", "cpu",
            "--output", output]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var outText = p.StandardOutput.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!p.HasExited && !File.Exists(Path.Combine(output, "fields_00001.h5")) && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(20);
        Assert.False(p.HasExited, "the run ended before it could be stopped");
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString()])!) kill.WaitForExit();
        Assert.True(p.WaitForExit(120_000), "no exit within 2 minutes of SIGTERM");
        Assert.True(p.ExitCode == 143, $"exit {p.ExitCode}: {await err}{await outText}");
        var ckpt = Checkpoint.Read(Path.Combine(output, Checkpoint.FileName));
        Assert.InRange(ckpt.State.Step, 1, 100000);
    }

    /// <summary>Faults issue, item 6: a second run into a folder another run is writing is refused (they used to mix silently).</summary>
    [Fact]
    public void ASecondRunIntoABusyOutputFolderIsRefused()
    {
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, TestCases.TinyCrack);
        string output = Path.Combine(dir, "run");
        Directory.CreateDirectory(output);
        var (exit, err) = (0, "");
        using (new FileStream(Path.Combine(output, PhaseFieldLi.Cli.RunCommand.LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite,
                   FileShare.None, 1, FileOptions.DeleteOnClose)) // a run in progress holds the lock
            (exit, err) = Run("run", casePath, "--backend", "cpu", "--output", output);
        Assert.Equal(2, exit);
        Assert.Contains("another run is writing into this folder", err);
        Assert.False(File.Exists(Path.Combine(output, "checkpoint.h5")));
        // Free again; a half-written checkpoint a killed run left behind (item 14) is removed.
        string stale = Path.Combine(output, ".checkpoint.h5.999999.tmp");
        File.WriteAllText(stale, "half");
        (exit, err) = Run("run", casePath, "--backend", "cpu", "--output", output);
        Assert.True(exit == 0, err);
        Assert.False(File.Exists(Path.Combine(output, PhaseFieldLi.Cli.RunCommand.LockFileName)));
        Assert.False(File.Exists(stale));
    }

    [Fact]
    public void UnwritableOutputFolderIsAnErrorBeforeTheRun()
    {
        string dir = TestCases.TempDir();
        string file = Path.Combine(dir, "not-a-folder");
        File.WriteAllText(file, "x");
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, TestCases.TinyCrack);
        var (exit, err) = Run("run", casePath, "--backend", "cpu", "--output", Path.Combine(file, "run"));
        Assert.Equal(2, exit);
        Assert.Contains("--output", err);
        Assert.Contains("cannot write there", err);
    }

    [Fact]
    public void BadCaseFileExitsWithItsError()
    {
        string dir = TestCases.TempDir();
        string casePath = Path.Combine(dir, "case.toml");
        File.WriteAllText(casePath, TestCases.TinyCrack.Replace("current_density = 15.0", "current_density = \"high\""));
        var (exit, err) = Run("run", casePath, "--backend", "cpu", "--output", dir);
        Assert.Equal(2, exit);
        Assert.Contains("'electrochemistry.current_density' = \"high\"", err);
        Assert.Empty(Directory.GetFiles(dir, "*.h5"));
    }

    [Fact]
    public void UnknownBackendIsNamed()
    {
        var (exit, err) = Run("run", "cases/quickstart.toml", "--backend", "gpu");
        Assert.Equal(2, exit);
        Assert.Contains("--backend 'gpu'", err);
    }
}

/// <summary>
/// A coupled run (mechanics and damage) resumed from its checkpoint matches the uninterrupted run bit
/// for bit: u, H, ξ₀ and the stress fields are in the checkpoint, and the loop state carries the last
/// stagger's damage change (the Δd step bound).
/// </summary>
public class CoupledCheckpointTests(ITestOutputHelper output)
{
    private static readonly string Case = TestCases.TinyCoupled;

    private static (float[] Xi, float[] Damage, float[] Phi, string Csv) Finish(string dir, Checkpoint.Contents? resume,
        Action<Simulation>? watch = null, CancellationToken cancel = default)
    {
        var c = CaseReader.Parse(Case, "coupled-ckpt");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var model = new ElectrodepositionModel(c, b);
        using var mechanics = new FractureModel(model);
        mechanics.EnableGrowthStrain();
        model.CoupleMechanics(mechanics);
        if (resume != null)
        {
            model.Restore(resume.Fields);
            mechanics.Restore(resume.Mechanics!);
        }
        var sim = new Simulation(model, dir) { State = resume?.State ?? new RunState(), Mechanics = mechanics };
        watch?.Invoke(sim);
        sim.Run(cancel);
        return (model.State.Xi.ToArray(), model.State.Damage.ToArray(), model.State.Phi.ToArray(),
            File.ReadAllText(Path.Combine(dir, "timeseries.csv")));
    }

    [Fact]
    public void ResumedCoupledRunMatchesUninterruptedRunBitForBit()
    {
        string whole = TestCases.TempDir(), split = TestCases.TempDir();
        var reference = Finish(whole, null);
        using var cts = new CancellationTokenSource();
        Finish(split, null, s => s.StepCompleted += st => { if (st.Step == 4) cts.Cancel(); }, cts.Token);
        var ckpt = Checkpoint.Read(Path.Combine(split, Checkpoint.FileName));
        Assert.Equal(4, ckpt.State.Step);
        Assert.NotNull(ckpt.Mechanics);
        var resumed = Finish(split, ckpt);
        output.WriteLine($"rows in reference: {reference.Csv.Split('\n').Length - 2}; last stagger Δd at the split {ckpt.State.LastStepDamageChange:E2}");
        Assert.Equal(reference.Xi, resumed.Xi);
        Assert.Equal(reference.Damage, resumed.Damage);
        Assert.Equal(reference.Phi, resumed.Phi);
        Assert.Equal(reference.Csv, resumed.Csv);
    }
}
