using PhaseFieldLi.Cases;

namespace PhaseFieldLi.Tests;

/// <summary>Each class of bad case file gives one clear error naming the key and the value.</summary>
public class CaseFileErrorTests
{
    private const string Good = """
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

    [Fact]
    public void UnknownKeyIsAnError()
    {
        var e = Bad(Good + "\n[electrochemistry]\ncurent_density = 4.7\n");
        Assert.Equal("electrochemistry.curent_density", e.Key);
        Assert.Contains("unknown key", e.Message);
        Assert.Contains("4.7", e.Message);
    }

    [Fact]
    public void UnknownSectionIsAnError()
    {
        var e = Bad(Good + "\n[electrochemestry]\nalpha = 0.5\n");
        Assert.Equal("electrochemestry", e.Key);
    }

    [Fact]
    public void OutOfRangeValueNamesKeyValueAndRange()
    {
        var e = Bad(Good + "\n[electrochemistry]\nsigma_llzo = -0.05\n");
        Assert.Equal("electrochemistry.sigma_llzo", e.Key);
        Assert.Contains("-0.05", e.Message);
        Assert.Contains("S/m", e.Message);
    }

    [Fact]
    public void WrongTypeIsNamed()
    {
        var e = Bad(Good + "\n[phase_field]\nmobility = \"fast\"\n");
        Assert.Equal("phase_field.mobility", e.Key);
        Assert.Contains("\"fast\"", e.Message);
    }

    [Fact]
    public void BadChoiceListsAllowedValues()
    {
        var e = Bad(Good + "\n[electrochemistry]\ncontrol = \"galvanic\"\n");
        Assert.Equal("electrochemistry.control", e.Key);
        Assert.Contains("\"galvanostatic\"", e.Message);
        Assert.Contains("\"potentiostatic\"", e.Message);
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
    public void ElectrodesThatFillTheCellAreRejected()
    {
        var e = Bad(Good + "\n[electrodes]\nnegative_li_thickness = 20e-6\n");
        Assert.Equal("electrodes.negative_li_thickness", e.Key);
    }

    [Fact]
    public void UnderResolvedInterfaceIsRejected()
    {
        var e = Bad(Good + "\n[phase_field]\ninterface_width = 2e-6\n");
        Assert.Equal("phase_field.interface_width", e.Key);
        Assert.Contains("grid spacings", e.Message);
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
