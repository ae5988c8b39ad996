using PhaseFieldLi.Cases;

namespace PhaseFieldLi.Tests;

/// <summary>Each class of bad case file gives one clear error naming the key and the value.</summary>
public class CaseFileErrorTests
{
    /// <summary>The smallest valid case (every other key at its default); other tests build bad cases from it.</summary>
    internal const string Good = """
        [grid]
        cells = [8, 8, 16]
        spacing = 2.0e-6
        [time]
        end = 10.0
        """;

    private static CaseException Bad(string toml) => Assert.Throws<CaseException>(() => CaseReader.Parse(toml, "bad"));

    [Fact]
    public void GoodMinimalCaseParsesWithDefaults()
    {
        var c = CaseReader.Parse(Good, "good");
        Assert.Equal(8, c.Grid.Nx);
        Assert.Equal(4.7, c.Electrochemistry.CurrentDensityAt(0));
        Assert.Equal(0.05, c.Electrochemistry.SigmaLlzoSPerM);
        Assert.Equal(64, c.Hash.Length);
    }

    [Fact]
    public void MissingRequiredKeyIsNamed()
    {
        var e = Bad("[grid]\ncells = [8, 8, 16]\n[time]\nend = 1.0\n");
        Assert.Equal("grid.spacing", e.Key);
        Assert.Contains("required", e.Message);
    }

    /// <summary>A bad key or value added to a good case is one error naming the key, with what the message must say.</summary>
    [Theory]
    [InlineData("[electrochemistry]\ncurent_density = 4.7", "electrochemistry.curent_density", "unknown key", "4.7")]
    [InlineData("[electrochemestry]\nalpha = 0.5", "electrochemestry", "", "")]
    [InlineData("[electrochemistry]\nsigma_llzo = -0.05", "electrochemistry.sigma_llzo", "-0.05", "S/m")]
    [InlineData("[phase_field]\nmobility = \"fast\"", "phase_field.mobility", "\"fast\"", "")]
    [InlineData("[electrochemistry]\ncontrol = \"galvanic\"", "electrochemistry.control", "\"galvanostatic\"", "\"potentiostatic\"")]
    [InlineData("[electrodes]\nnegative_li_thickness = 20e-6", "electrodes.negative_li_thickness", "", "")]
    [InlineData("[phase_field]\ninterface_width = 2e-6", "phase_field.interface_width", "grid spacings", "")]
    [InlineData("[mechanics]\nli_creep = true", "mechanics.li_creep", "coupled", "thin_sheets")]
    [InlineData("[mechanics]\nli_creep_exponent = 5.0", "mechanics.li_creep_exponent", "li_creep = true", "")]
    [InlineData("[mechanics]\nli_creep = true\nli_creep_exponent = 0.5", "mechanics.li_creep_exponent", "0.5", "")]
    public void ABadKeyOrValueIsNamed(string addition, string key, string says, string alsoSays)
    {
        var e = Bad(Good + "\n" + addition + "\n");
        Assert.Equal(key, e.Key);
        Assert.Contains(says, e.Message);
        Assert.Contains(alsoSays, e.Message);
    }

    [Fact]
    public void BadGridShapeIsNamed()
    {
        var e = Bad("[grid]\ncells = [8, 8]\nspacing = 1e-6\n[time]\nend = 1.0\n");
        Assert.Equal("grid.cells", e.Key);
        e = Bad("[grid]\ncells = [8, 8, 2.5]\nspacing = 1e-6\n[time]\nend = 1.0\n");
        Assert.Equal("grid.cells", e.Key);
    }

    [Fact]
    public void BadFlawGeometryIsNamed()
    {
        var e = Bad(Good + "\n[[flaw]]\nshape = \"box\"\nmin = [1e-6, 1e-6, 1e-6]\nmax = [2e-6, 0.5e-6, 3e-6]\n");
        Assert.Equal("flaw[0].max", e.Key);
        e = Bad(Good + "\n[[flaw]]\nshape = \"disc\"\ncentre = [1e-6, 1e-6, 1e-6]\nthickness = 1e-6\n");
        Assert.Equal("flaw[0].radius", e.Key);
    }

    [Fact]
    public void ASheetEdgeMustBeThinnerThanACellAndThickEnoughToConnect()
    {
        var e = Bad(Good + "\n[phase_field]\nthin_sheets = true\nsheet_edge_thickness = 2e-6\n");
        Assert.Equal("phase_field.sheet_edge_thickness", e.Key);
        Assert.Contains("below the grid spacing", e.Message);
        e = Bad(Good + "\n[phase_field]\nthin_sheets = true\nsheet_edge_thickness = 5e-8\n");
        Assert.Equal("phase_field.sheet_edge_thickness", e.Key);
        Assert.Contains("label_threshold", e.Message);
        // Without thin sheets the key is inert and any positive value is accepted.
        CaseReader.Parse(Good + "\n[phase_field]\nsheet_edge_thickness = 5e-8\n", "ok");
    }

    [Fact]
    public void ScheduleTimesMustIncrease()
    {
        var e = Bad(Good + "\n[electrochemistry]\ncurrent_schedule = [[10.0, 4.7], [5.0, -4.7]]\n");
        Assert.Equal("electrochemistry.current_schedule", e.Key);
    }

    [Fact]
    public void SyntaxErrorIsReported()
    {
        var e = Bad("[grid\ncells = [8, 8, 16]\n");
        Assert.Contains("not valid TOML", e.Message);
    }

    [Fact]
    public void MissingFileIsReported()
    {
        var e = Assert.Throws<CaseException>(() => CaseReader.ReadFile("/nonexistent/case.toml"));
        Assert.Contains("no such file", e.Message);
    }

    [Theory]
    [InlineData("[fracture]\ncleavage_normal = [1, 1, 0]", "fracture.cleavage_normal", "grid axis")]
    [InlineData("[fracture]\ntoughness = 0.6e6\nfracture_energy = 2.0", "fracture.toughness", "not both")]
    [InlineData("[fracture]\nlength_scale = 1.0e-6", "fracture.length_scale", "grid spacing")]
    [InlineData("[mechanics]\npoisson_llzo = 0.5", "mechanics.poisson_llzo", "0.49")]
    [InlineData("[mechanics]\ntop_displacement = 1e-7", "mechanics.top_displacement", "top = \"displacement\"")]
    [InlineData("[mechanics]\ntop = \"glued\"", "mechanics.top", "\"traction\"")]
    [InlineData("[mechanics]\nstiffness = 1", "mechanics.stiffness", "unknown key")]
    public void BadMechanicsKeysAreNamed(string section, string key, string fragment)
    {
        var e = Bad(Good + "\n" + section + "\n");
        Assert.Equal(key, e.Key);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void FractureRunNeedsMechanics()
    {
        var e = Bad("physics = \"fracture\"\n" + Good);
        Assert.Equal("physics", e.Key);
        var c = CaseReader.Parse("physics = \"fracture\"\n" + Good + "\n[fracture]\ntoughness = 0.6e6\n", "ok");
        Assert.Equal(0.6e6 * 0.6e6 * (1 - 0.26 * 0.26) / 150e9, c.Mechanics!.FractureEnergyJPerM2, 12);
    }

    [Fact]
    public void ShippedCasesAreValid()
    {
        string dir = Path.Combine(RepoRoot(), "cases");
        var files = Directory.GetFiles(dir, "*.toml");
        Assert.NotEmpty(files);
        foreach (var f in files) CaseReader.ReadFile(f);
    }

    internal static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "PhaseFieldLi.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}

/// <summary>Random malformed case files: each gives a CaseException (or parses), never a crash or a hang.</summary>
public class CaseFileFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string[] Garbage =
    [
        "\"text\"", "-1", "-1e300", "1e308", "nan", "inf", "-inf", "0", "[]", "[1, 2]", "[\"a\", \"b\", \"c\"]", "true", "{ a = 1 }",
        "2147483648", "9223372036854775807", "[4096, 4096, 4096]", "[1e9, 1, 1]", "[0, 0, 0]", "1979-05-27", "\"\"",
    ];

    [Fact]
    public void MalformedCaseFilesGiveOneClearErrorAndNeverCrash()
    {
        string baseText = File.ReadAllText(Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", "quickstart.toml"));
        var lines = baseText.Split('\n');
        var valueLines = Enumerable.Range(0, lines.Length).Where(n => lines[n].Contains('=') && !lines[n].TrimStart().StartsWith('#')).ToArray();
        var rng = new Random(20261126);
        int errors = 0, parsed = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            var mutated = (string[])lines.Clone();
            int edits = 1 + rng.Next(3);
            for (int e = 0; e < edits; e++)
            {
                int n = valueLines[rng.Next(valueLines.Length)];
                string key = mutated[n].Split('=')[0];
                mutated[n] = rng.Next(6) switch
                {
                    0 => "",                                                  // drop the line
                    1 => mutated[n] + "\n" + mutated[n],                      // duplicate key
                    2 => key.Trim() + "x = 1",                                // misspelt key
                    3 => mutated[n].Replace("=", "= = "),                     // syntax error
                    _ => key + "= " + Garbage[rng.Next(Garbage.Length)],      // wrong type or value
                };
            }
            string text = string.Join('\n', mutated);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                CaseReader.Parse(text, "fuzz");
                parsed++;
            }
            catch (CaseException ex)
            {
                errors++;
                Assert.False(string.IsNullOrWhiteSpace(ex.Key));
                Assert.DoesNotContain('\n', ex.Message.TrimEnd());
            }
            Assert.True(sw.ElapsedMilliseconds < 2000, $"parsing took {sw.ElapsedMilliseconds} ms:\n{text}");
        }
        output.WriteLine($"400 mutated case files: {errors} clear errors, {parsed} still valid");
        Assert.True(errors > 300);
    }

    [Fact]
    public void GridThatDoesNotFitTheDeviceIsRefusedUpFront()
    {
        var c = CaseReader.Parse("[grid]\ncells = [1024, 1024, 1000]\nspacing = 1e-6\n[time]\nend = 1.0\n", "huge");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        long need = (long)PhaseFieldLi.Models.ElectrodepositionModel.BytesPerCell(c.Solver) * c.Grid.CellCount;
        if (need <= b.MemoryBytes) return; // a machine with that much memory would run it
        var e = Assert.Throws<CaseException>(() => new PhaseFieldLi.Models.ElectrodepositionModel(c, b));
        output.WriteLine(e.Message);
        Assert.Equal("grid.cells", e.Key);
        Assert.Contains("GB", e.Message);
    }
}

/// <summary>TOML lets an array of tables continue after other tables; every [[flaw]] must be read.</summary>
public class CaseFlawListTests
{
    private const string FirstFlaw = """
        [grid]
        cells = [8, 8, 16]
        spacing = 1.0e-6
        [time]
        end = 1.0
        [[flaw]]
        min = [0.0, 0.0, 5.0e-6]
        max = [2.0e-6, 2.0e-6, 7.0e-6]

        """;

    private const string SecondFlaw = """

        [[flaw]]
        min = [0.0, 0.0, 9.0e-6]
        max = [2.0e-6, 2.0e-6, 11.0e-6]
        """;

    [Fact]
    public void FlawsAfterAnotherTableAreAllRead()
    {
        string toml = FirstFlaw + """
            [solver]
            tolerance = 1.0e-6
            """ + SecondFlaw;
        var c = PhaseFieldLi.Cases.CaseReader.Parse(toml, "flaws");
        Assert.Equal(2, c.Flaws.Count);
        Assert.Equal(5.0e-6, c.Flaws[0].MinM[2], 12);
        Assert.Equal(9.0e-6, c.Flaws[1].MinM[2], 12);
    }

    /// <summary>Gathering the [[flaw]] blocks must not take the rows of a multi-line array for table headers.</summary>
    [Fact]
    public void GatheringFlawsKeepsMultiLineArrays()
    {
        string toml = FirstFlaw + """
            [electrochemistry]
            current_schedule = [
              [100.0, 15.0],
              [200.0, -15.0],
            ]
            """ + SecondFlaw;
        var c = PhaseFieldLi.Cases.CaseReader.Parse(toml, "flaws");
        Assert.Equal(2, c.Flaws.Count);
        Assert.Equal(2, c.Electrochemistry.CurrentSchedule.Count);
        Assert.Equal(-15.0, c.Electrochemistry.CurrentSchedule[1].CurrentDensityAPerM2, 12);
    }
}

/// <summary>
/// Parameters each in range but degenerate together (issue: faults, item 12): refused by check with
/// the key named, instead of a run that ends in a misleading "short circuit".
/// </summary>
public class DegenerateParameterTests
{
    private static CaseException Bad(string toml) => Assert.Throws<CaseException>(() => CaseReader.Parse(toml, "bad"));

    [Theory]
    [InlineData("[electrochemistry]\nsigma_llzo = 1e-12", "electrochemistry.sigma_llzo", "ohmic drop")]
    [InlineData("[electrochemistry]\nexchange_current_density = 1e-300", "electrochemistry.exchange_current_density", "overpotential")]
    [InlineData("[phase_field]\ninterface_width = 1.0", "phase_field.interface_width", "quarter of the cell")]
    public void DegenerateParameterIsNamed(string table, string key, string why)
    {
        var e = Bad(CaseFileErrorTests.Good + "\n" + table + "\n");
        Assert.Equal(key, e.Key);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void TheBoundsAreWhereTheySay()
    {
        // 4.7 A/m² over 32 µm: σ = 3.0e-5 S/m gives 5.01 V (refused), 3.1e-5 S/m 4.85 V (accepted).
        Assert.Equal("electrochemistry.sigma_llzo", Bad(CaseFileErrorTests.Good + "\n[electrochemistry]\nsigma_llzo = 3.0e-5\n").Key);
        CaseReader.Parse(CaseFileErrorTests.Good + "\n[electrochemistry]\nsigma_llzo = 3.1e-5\nsigma_min = 1e-9\n", "ok");
        // A potentiostatic cell is bounded by its voltage instead.
        CaseReader.Parse(CaseFileErrorTests.Good + "\n[electrochemistry]\ncontrol = \"potentiostatic\"\ncell_voltage = 0.1\nsigma_llzo = 1e-9\nsigma_min = 1e-13\n", "ok");
    }

    [Fact]
    public void QuotedFlawHeadersAreFlaws()
    {
        // TOML: [["flaw"]] is the same array of tables as [[flaw]].
        string flaw = "shape = \"box\"\nmin = [0.0, 0.0, 4e-6]\nmax = [4e-6, 4e-6, 8e-6]\nli = 1.0\n";
        var c = CaseReader.Parse(CaseFileErrorTests.Good + "\n[[\"flaw\"]]\n" + flaw + "[['flaw']]\n" + flaw, "quoted");
        Assert.Equal(2, c.Flaws.Count);
    }
}

public class FlawOutsideDomainTests
{
    [Theory]
    [InlineData("shape = \"box\"\nmin = [0.0, 0.0, 40e-6]\nmax = [4e-6, 4e-6, 50e-6]", "min", "along z")]
    [InlineData("shape = \"box\"\nmin = [-8e-6, 0.0, 4e-6]\nmax = [-1e-6, 4e-6, 8e-6]", "max", "along x")]
    [InlineData("shape = \"sphere\"\ncentre = [8e-6, 40e-6, 8e-6]\nradius = 2e-6", "centre", "along y")]
    [InlineData("shape = \"disc\"\ncentre = [8e-6, 8e-6, -5e-6]\nradius = 4e-6\nthickness = 1e-6\nnormal = [0, 0, 1]", "centre", "along z")]
    public void FlawWhollyOutsideIsNamed(string flaw, string key, string axis)
    {
        // The domain of CaseFileErrorTests.Good: 16 × 16 × 32 µm.
        var e = Assert.Throws<CaseException>(() => CaseReader.Parse(CaseFileErrorTests.Good + "\n[[flaw]]\n" + flaw + "\n", "bad"));
        Assert.EndsWith("." + key, e.Key);
        Assert.Contains(axis, e.Message);
    }

    [Fact]
    public void FlawPartlyInsideIsKept()
    {
        var c = CaseReader.Parse(CaseFileErrorTests.Good + "\n[[flaw]]\nshape = \"sphere\"\ncentre = [8e-6, 8e-6, -1e-6]\nradius = 2e-6\n", "ok");
        Assert.Single(c.Flaws);
    }
}
