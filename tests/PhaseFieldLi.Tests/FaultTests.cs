using PhaseFieldLi.Cases;
using PhaseFieldLi.OutputWriters;
using PhaseFieldLi.Simulations;

namespace PhaseFieldLi.Tests;

/// <summary>Faults issue, items 2, 4 and 5: each reproduction ends in a clear error or a correct run.</summary>
public class FaultTests
{
    private const string Case = CaseFileErrorTests.Good;

    /// <summary>Item 4: checkpoint_interval = 1e-300 hung at step 0; output_interval = 1e-300 made 1e-12 s steps.</summary>
    [Theory]
    [InlineData("checkpoint_interval")]
    [InlineData("output_interval")]
    public void AnIntervalOfOverAMillionFilesIsOneClearError(string key)
    {
        var e = Assert.Throws<CaseException>(() => CaseReader.Parse(Case + $"\n{key} = 1e-300\n", "bad"));
        Assert.Equal($"time.{key}", e.Key);
        Assert.Contains("end / 10⁶", e.Message);
        CaseReader.Parse(Case + $"\n{key} = 1e-4\n", "good"); // end / 10⁶ itself is fine
    }

    /// <summary>Item 8: a key or a table defined twice ran with the last value; TOML forbids both.</summary>
    [Theory]
    [InlineData("end = 3000.0\nend = 100.0\n", "time.end")]
    [InlineData("[time]\nmax_step = 1.0\n", "time")]
    public void AKeyOrTableDefinedTwiceIsOneClearError(string extra, string key)
    {
        var e = Assert.Throws<CaseException>(() => CaseReader.Parse(Case + "\n" + extra, "bad"));
        Assert.Equal(key, e.Key);
        Assert.Contains("twice", e.Message);
    }

    /// <summary>Item 10: NaN or Inf inside vectors and schedules passed (a flaw vanished, a normal read as x).</summary>
    [Theory]
    [InlineData("[[flaw]]\nshape = \"box\"\nmin = [nan, 0.0, 0.0]\nmax = [1e-6, 1e-6, 1e-6]\n", "flaw[0].min")]
    [InlineData("[electrochemistry]\ncurrent_schedule = [[100.0, nan]]\n", "electrochemistry.current_schedule")]
    [InlineData("[electrochemistry]\ncurrent_schedule = [[100.0, inf]]\n", "electrochemistry.current_schedule")]
    [InlineData("[electrochemistry]\ncurrent_schedule = [[100.0, -1e7]]\n", "electrochemistry.current_schedule")]
    public void NanInfAndOutOfRangeNumbersInArraysAreOneClearError(string extra, string key)
    {
        var e = Assert.Throws<CaseException>(() => CaseReader.Parse(Case + "\n" + extra, "bad"));
        Assert.Equal(key, e.Key);
    }

    /// <summary>Item 14: `compare --against X` with X absent or unknown named --backend in its error.</summary>
    [Fact]
    public void CompareNamesTheOptionThatNamedTheMissingBackend()
    {
        var c = CaseReader.Parse(Case, "against");
        var e = Assert.Throws<ArgumentException>(() =>
            PhaseFieldLi.Diagnostics.BackendComparison.Run(c, "no-such-backend", "cpu", 1, TestCases.TempDir()));
        Assert.StartsWith("--against 'no-such-backend'", e.Message);
        var f = Assert.Throws<ArgumentException>(() =>
            PhaseFieldLi.Diagnostics.BackendComparison.Run(c, "cpu", "no-such-backend", 1, TestCases.TempDir()));
        Assert.StartsWith("--backend 'no-such-backend'", f.Message);
    }

    /// <summary>The schedule itself never loops for ever, whatever interval reaches it (a resumed old checkpoint, a test).</summary>
    [Fact]
    public void ATimeScheduleWhoseIntervalVanishesAgainstTheTimeMovesOn()
    {
        var st = new RunState { TimeS = 50.0, NextCheckpointS = 0.0 };
        var s = new TimeInterval(1e-300, r => r.NextCheckpointS, (r, v) => r.NextCheckpointS = v, land: false, tolerance: 0);
        Assert.True(s.IsDue(st, 0));
        Assert.True(st.NextCheckpointS > 50.0);
        Assert.False(s.IsDue(st, 0));
        st.TimeS = 51.0;
        Assert.True(s.IsDue(st, 0));
        // An ordinary interval keeps its exact sequence of times.
        var st2 = new RunState { TimeS = 0.35, NextOutputS = 0.1 };
        var t = new TimeInterval(0.1, r => r.NextOutputS, (r, v) => r.NextOutputS = v, land: true, tolerance: 0);
        Assert.True(t.IsDue(st2, 0));
        Assert.Equal(0.1 + 0.1 + 0.1 + 0.1, st2.NextOutputS);
    }

    /// <summary>Item 5: end = 1e9 with max_step = 1e-4 gave an ETA that overflowed TimeSpan and ended the run.</summary>
    [Theory]
    [InlineData(1e15, "d")]
    [InlineData(4e5, "d")]
    [InlineData(3700, "1:01:40")]
    [InlineData(65, "1:05")]
    [InlineData(double.NaN, "?")]
    public void AnyEtaIsFormattedWithoutOverflow(double seconds, string expected) =>
        Assert.EndsWith(expected, PhaseFieldLi.Cli.Progress.Format(seconds));
}

/// <summary>Faults issue, item 9: `name` names the output folder, so it is one safe file-name component, and the XDMF index escapes it.</summary>
public class CaseNameTests
{
    private const string Case = CaseFileErrorTests.Good;

    [Theory]
    [InlineData("../../escape")]
    [InlineData("/tmp/anywhere")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("a\"b<c>&d")]
    public void ANameThatIsNotOneFileNameComponentIsOneClearError(string name)
    {
        var e = Assert.Throws<CaseException>(() => CaseReader.Parse($"name = \"{name.Replace("\"", "\\\"")}\"\n" + Case, "case"));
        Assert.Equal("name", e.Key);
        Assert.Contains("output folder", e.Message);
    }

    [Fact]
    public void TheXdmfIndexEscapesTheCaseName()
    {
        string dir = TestCases.TempDir();
        var meta = new PhaseFieldLi.OutputWriters.RunMetadata(2, 2, 2, 1e-6, "a&b<c>\"d", new string('0', 64), "cpu",
            new Dictionary<string, string>());
        using (var w = new PhaseFieldLi.OutputWriters.Hdf5SnapshotWriter(dir, meta))
            w.Write(new PhaseFieldLi.OutputWriters.Snapshot(0, 0, 0.0, [new("xi", new float[8], "1", "test")]));
        var xml = System.Xml.Linq.XDocument.Load(Path.Combine(dir, "fields.xdmf")); // throws if ill-formed
        Assert.Contains(xml.Descendants("Grid"), g => (string?)g.Attribute("Name") == "a&b<c>\"d");
    }
}

/// <summary>
/// Faults issue, items 1 and 7 (range part) and 14 (corrupt file): a damaged checkpoint is one error
/// naming the file and the dataset, never a crash (a label out of range was read as an index) or a
/// run on wrong state.
/// </summary>
public class DamagedCheckpointTests
{
    private static string Written()
    {
        string dir = TestCases.TempDir();
        TestCases.Run(TestCases.TinyCrack, output: dir);
        return Path.Combine(dir, PhaseFieldLi.OutputWriters.Checkpoint.FileName);
    }

    private static void Rewrite(string path, Func<PhaseFieldLi.OutputWriters.Checkpoint.Contents, PhaseFieldLi.OutputWriters.Checkpoint.Contents> change)
    {
        var c = change(PhaseFieldLi.OutputWriters.Checkpoint.Read(path));
        PhaseFieldLi.OutputWriters.Checkpoint.Write(path, CaseReader.Parse(c.CaseText, c.CaseName), "cpu", 0, 1, c.Fields, c.State, c.Mechanics);
    }

    [Fact]
    public void ALabelOutsideTheBodyTableIsOneError()
    {
        string path = Written();
        Rewrite(path, c => { c.Fields.Label[100] = 12000; return c; });
        var e = Assert.Throws<ArgumentException>(() => PhaseFieldLi.OutputWriters.Checkpoint.Read(path));
        Assert.Contains("label [100] = 12000 is outside the body table", e.Message);
    }

    [Theory]
    [InlineData("xi")]
    [InlineData("step")]
    [InlineData("time_s")]
    public void OutOfRangeStateIsOneError(string what)
    {
        string path = Written();
        Rewrite(path, c =>
        {
            if (what == "xi") c.Fields.Xi[7] = 7f;
            if (what == "step") c.State.Step = -5;
            if (what == "time_s") c.State.TimeS = double.NaN;
            return c;
        });
        var e = Assert.Throws<ArgumentException>(() => PhaseFieldLi.OutputWriters.Checkpoint.Read(path));
        Assert.Contains("damaged checkpoint: " + what, e.Message);
    }

    /// <summary>
    /// A creep run's checkpoint can hold a sheet cell the flow left over-full (ξ = 1.0007 in the leaf
    /// case at 1480 s), and must resume: ξ up to Checkpoint.MaxXi reads back; ξ = 7 above stays an error.
    /// </summary>
    [Fact]
    public void AnOverFullSheetCellReadsBack()
    {
        string path = Written();
        Rewrite(path, c => { c.Fields.Xi[7] = 1.02f; return c; });
        Assert.Equal(1.02f, PhaseFieldLi.OutputWriters.Checkpoint.Read(path).Fields.Xi[7]);
    }

    /// <summary>Item 7: a bit flip that keeps ξ in range resumed silently; every dataset now carries its SHA-256.</summary>
    [Fact]
    public void AnInRangeBitFlipFailsTheChecksum()
    {
        string path = Written();
        const float marker = 0.123456f;
        Rewrite(path, c => { c.Fields.Xi[5] = marker; return c; });
        byte[] bytes = File.ReadAllBytes(path);
        byte[] pattern = BitConverter.GetBytes(marker);
        int at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0 && bytes.AsSpan(at + 1).IndexOf(pattern) < 0, "the marker is in the file once");
        bytes[at] ^= 1; // 0.123456 → 0.12345601: still a valid ξ
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ArgumentException>(() => PhaseFieldLi.OutputWriters.Checkpoint.Read(path));
        Assert.Contains("dataset 'xi' fails its SHA-256 check", e.Message);
    }

    /// <summary>Item 7: the checkpoint before the last is kept, and a damaged last one falls back to it, saying why.</summary>
    [Fact]
    public void ADamagedCheckpointFallsBackToThePreviousOne()
    {
        string path = Written();
        var first = PhaseFieldLi.OutputWriters.Checkpoint.Read(path);
        Rewrite(path, c => { c.State.Step += 1; return c; }); // a newer checkpoint; the first becomes the previous one
        Assert.Equal(first.State.Step, PhaseFieldLi.OutputWriters.Checkpoint.Read(PhaseFieldLi.OutputWriters.Checkpoint.PreviousPath(path)).State.Step);
        Assert.Equal(first.State.Step + 1, PhaseFieldLi.OutputWriters.Checkpoint.Read(path, fallBack: true).State.Step);

        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); // a damaged last checkpoint
        Assert.Throws<ArgumentException>(() => PhaseFieldLi.OutputWriters.Checkpoint.Read(path));
        var back = PhaseFieldLi.OutputWriters.Checkpoint.Read(path, fallBack: true);
        Assert.Equal(first.State.Step, back.State.Step);
        Assert.Equal(first.Fields.Xi, back.Fields.Xi);
        Assert.Contains("not a readable checkpoint", back.FellBack);
    }

    [Fact]
    public void AFileThatIsNoCheckpointIsOneError()
    {
        string path = Path.Combine(TestCases.TempDir(), "checkpoint.h5");
        File.WriteAllText(path, "not HDF5");
        var e = Assert.Throws<ArgumentException>(() => PhaseFieldLi.OutputWriters.Checkpoint.Read(path));
        Assert.Contains("not a readable checkpoint", e.Message);
    }
}

/// <summary>Faults issue, item 14: "open interval" means it, and typos are named with what was probably meant.</summary>
public class CaseMessageTests
{
    private static readonly string Grid = CaseFileErrorTests.Good[..CaseFileErrorTests.Good.IndexOf("[time]", StringComparison.Ordinal)];

    [Fact]
    public void AlphaOfOneIsRefused() =>
        Assert.Equal("electrochemistry.alpha",
            Assert.Throws<CaseException>(() => CaseReader.Parse(Grid + "[time]\nend = 10.0\n[electrochemistry]\nalpha = 1.0\n", "bad")).Key);

    [Fact]
    public void AMisspelledRequiredKeyIsSuggested()
    {
        var e = Assert.Throws<CaseException>(() => CaseReader.Parse(Grid + "[time]\nned = 10.0\n", "bad"));
        Assert.Equal("time.end", e.Key);
        Assert.Contains("did you mean 'end'", e.Message);
    }

    [Fact]
    public void AMisspelledOptionalKeyIsSuggested()
    {
        var e = Assert.Throws<CaseException>(() => CaseReader.Parse(Grid + "[time]\nend = 10.0\nmax_stpe = 3.0\n", "bad"));
        Assert.Equal("time.max_stpe", e.Key);
        Assert.Contains("did you mean 'max_step'", e.Message);
    }

    [Fact]
    public void LongValuesAreQuotedShort()
    {
        string huge = "[" + string.Join(", ", Enumerable.Repeat("1.0", 100_000)) + "]";
        var e = Assert.Throws<CaseException>(() => CaseReader.Parse(Grid + $"[time]\nend = {huge}\n", "bad"));
        Assert.True(e.Message.Length < 400, $"{e.Message.Length} characters");
    }
}

/// <summary>Faults issue, item 11: a fracture run that turns NaN stops with the watchdog (exit 3), naming the field, not exit 4 with NaN written.</summary>
public class MechanicsWatchdogTests
{
    [Fact]
    public void AFractureRunThatTurnsNanStopsWithTheWatchdog()
    {
        string text = File.ReadAllText(Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", "penny-crack-3d.toml"));
        text = System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^cells = .*$", "cells = [16, 16, 16]");
        text = System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^young_llzo = .*$", "young_llzo = 1e-300");
        var c = CaseReader.Parse(text, "penny-nan");
        using var backend = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var model = new PhaseFieldLi.Models.ElectrodepositionModel(c, backend);
        using var mechanics = new PhaseFieldLi.Models.FractureModel(model);
        var e = Assert.Throws<WatchdogException>(() => new FractureSimulation(model, mechanics, TestCases.TempDir()).Run());
        Assert.Contains("NaN/Inf in field", e.Message);
        Assert.Contains("load step 0", e.Message);
    }
}
