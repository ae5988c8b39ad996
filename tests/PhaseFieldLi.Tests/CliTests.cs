using System.Diagnostics;
using PhaseFieldLi.Cases;
using PhaseFieldLi.OutputWriters;
using Xunit;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The command line on System.CommandLine (issue: native): --version with the commit, per-command
/// help with defaults and exit codes, POSIX option forms, several files to check, key=value
/// overrides recorded in the outputs' case text, and a sweep with its CSV summary.
/// </summary>
public class CliTests
{
    internal static (int Exit, string Out, string Err) Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "phasefield.dll"), .. args])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, err.GetAwaiter().GetResult());
    }

    private static string Case(string name) => Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", name);

    [Fact]
    public void VersionNamesTheCommit()
    {
        var (exit, stdout, _) = Cli("--version");
        Assert.Equal(0, exit);
        Assert.Matches(@"^\d+\.\d+\.\d+(-[\w.]+)?\+[0-9a-f]{7,40}\s*$", stdout);
    }

    [Fact]
    public void RunHelpListsOptionsDefaultsAndExitCodes()
    {
        var (exit, stdout, _) = Cli("run", "--help");
        Assert.Equal(0, exit);
        foreach (string s in new[] { "-b, --backend", "[default: auto]", "--wall-time", "key=value", "Exit codes:", "143" })
            Assert.Contains(s, stdout);
    }

    [Fact]
    public void PosixFormsAndMissingValuesSayWhatIsWrong()
    {
        Assert.Equal(0, Cli("devices", "--check", "--backend=cpu").Exit);
        Assert.Equal(0, Cli("devices", "--check", "-b", "cpu").Exit);
        var (exit, _, err) = Cli("run", Case("quickstart.toml"), "--backend");
        Assert.Equal(2, exit);
        Assert.Contains("--backend", err);
        Assert.Contains("missing", err, StringComparison.OrdinalIgnoreCase);
        (exit, _, err) = Cli("bench", "--backend=cpu");
        Assert.Equal(2, exit);
        Assert.Contains("needs a case file", err);
    }

    [Fact]
    public void CheckTakesSeveralFilesAndReportsEachBadOne()
    {
        string bad = Path.Combine(TestCases.TempDir(), "bad.toml");
        File.WriteAllText(bad, CaseFileErrorTests.Good + "\nned = 3\n");
        var (exit, stdout, err) = Cli("check", Case("quickstart.toml"), bad, Case("leaf-dendrite-3d.toml"));
        Assert.Equal(2, exit);
        Assert.Contains("quickstart.toml: valid", stdout);
        Assert.Contains("leaf-dendrite-3d.toml: valid", stdout);
        Assert.Contains("bad.toml", err);
        Assert.Contains("'time.ned'", err);
        // An override is validated like the file: a typo in one names the key.
        (exit, _, err) = Cli("check", Case("quickstart.toml"), "time.ned=3");
        Assert.Equal(2, exit);
        Assert.Contains("did you mean 'end'", err);
    }

    [Fact]
    public void AnOverrideRunsAndIsRecordedInTheCheckpointsCaseText()
    {
        string output = TestCases.TempDir();
        var (exit, _, err) = Cli("run", Case("quickstart.toml"), "time.end=30", "electrochemistry.current_density=20", "--backend=cpu", "-o", output);
        Assert.True(exit == 0, err);
        var ckpt = Checkpoint.Read(Path.Combine(output, Checkpoint.FileName));
        Assert.StartsWith("# phasefield overrides: time.end=30 electrochemistry.current_density=20", ckpt.CaseText);
        var c = CaseReader.Parse(ckpt.CaseText, ckpt.CaseName);
        Assert.Equal(30.0, c.Time.EndS);
        Assert.Equal(20.0, c.Electrochemistry.CurrentDensityAt(0));
        Assert.Equal(30.0, ckpt.State.TimeS, 1e-9);
    }

    [Fact]
    public void ASweepRunsEachValueIntoItsFolderWithASummary()
    {
        string output = TestCases.TempDir();
        var (exit, stdout, err) = Cli("sweep", Case("quickstart.toml"), "electrochemistry.current_density=10,20", "time.end=30", "-b", "cpu", "-o", output);
        Assert.True(exit == 0, err + stdout);
        var rows = File.ReadAllLines(Path.Combine(output, "sweep.csv"));
        Assert.Equal(3, rows.Length);
        Assert.StartsWith("key,value,exit_code,output,step,time_s", rows[0]);
        int voltage = Array.IndexOf(rows[0].Split(','), "cell_voltage_V");
        var v = rows.Skip(1).Select(r => double.Parse(r.Split(',')[voltage], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(v[1] > v[0], $"twice the current gives a higher cell voltage ({v[0]} V, {v[1]} V)");
        foreach (string value in new[] { "10", "20" })
            Assert.True(File.Exists(Path.Combine(output, $"electrochemistry.current_density={value}", Checkpoint.FileName)));
        // A bad value is refused before any run starts.
        string other = TestCases.TempDir();
        (exit, _, err) = Cli("sweep", Case("quickstart.toml"), "electrochemistry.current_density=10,1e9", "-o", other);
        Assert.Equal(2, exit);
        Assert.Contains("1e9", err);
        Assert.False(File.Exists(Path.Combine(other, "sweep.csv")));
    }
}

/// <summary>key=value overrides on the case text: each kind of edit, and the refusals.</summary>
public class CaseOverrideTests
{
    private static readonly string Text = $"""
        name = "o"
        {CaseText.Grid(8, 8, 16, 2.0e-6)}
        [time]
        end = 10.0
        [electrochemistry]
        current_schedule = [
            [100.0, 4.7],
            [200.0, -4.7],
        ]
        """;

    [Fact]
    public void EachKindOfEditReadsBack()
    {
        var c = CaseReader.Parse(CaseOverrides.Apply(Text, [
            "time.end=20", "time.max_step=5", "phase_field.mobility=2e-9", "electrochemistry.current_schedule=[[50.0, 3.0]]",
            "physics=coupled", "mechanics.stack_pressure=1e6", "name=renamed"]), "o");
        Assert.Equal(20.0, c.Time.EndS);               // replaced
        Assert.Equal(5.0, c.Time.MaxStepS);            // added to its table
        Assert.Equal(2e-9, c.PhaseField.MobilityM3PerJS); // a table added
        Assert.Equal(3.0, c.Electrochemistry.CurrentDensityAt(0)); // a multi-line array replaced whole
        Assert.Single(c.Electrochemistry.CurrentSchedule);
        Assert.Equal(Physics.Coupled, c.Physics);      // a bare word taken as a string, top level
        Assert.Equal("renamed", c.Name);
    }

    [Theory]
    [InlineData("flaw.li=1", "[[flaw]]")]
    [InlineData("time..end=1", "table.key=value")]
    [InlineData("time.end=", "no value")]
    public void BadOverridesAreNamed(string o, string why)
    {
        var e = Assert.Throws<CaseException>(() => CaseOverrides.Apply(Text, [o]));
        Assert.Equal("override", e.Key);
        Assert.Contains(why, e.Message);
    }

    /// <summary>
    /// Log lines read `HH:mm:ss message`: no logger category, no colour escape codes (which ended up in
    /// mpirun and batch log files), `warning:`/`error:` only where a line is one.
    /// </summary>
    [Fact]
    public void LogLinesCarryTheTimeAndTheMessageOnly()
    {
        var (exit, stdout, err) = CliTests.Cli("check", Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", "quickstart.toml"));
        Assert.Equal(0, exit);
        string all = stdout + err;
        Assert.DoesNotContain("\u001b[", all);
        Assert.DoesNotContain("RunCommand", all);
        Assert.Matches(@"(?m)^\d\d:\d\d:\d\d case quickstart \([0-9a-f]{12}\): 20×20×120 cells", all);
    }

    /// <summary>`devices` names every GPU backend: a device, or why there is none.</summary>
    [Fact]
    public void DevicesSaysWhyAGpuBackendIsAbsent()
    {
        var (exit, stdout, _) = CliTests.Cli("devices");
        Assert.Equal(0, exit);
        foreach (string backend in new[] { "cpu", "cuda", "opencl" })
            Assert.Matches($@"(?m)^{backend}\s+\S", stdout);
        Assert.All(stdout.Split('\n').Where(l => l.Contains("none")), l => Assert.Matches(@"none: \S.{10,}", l));
    }
}
