using PhaseFieldLi.Cases;
using PhaseFieldLi.Diagnostics;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The user-facing backend checks: `phasefield devices --check` (BackendSelfCheck: sums, maxima and
/// body labelling against known answers — on CUDA it caught reductions that returned a float's bits)
/// and `phasefield compare` (BackendComparison: the same steps on two backends, field by field).
/// </summary>
public class BackendToolsTests(ITestOutputHelper output)
{
    [Fact]
    public void CompareRunsBothBackendsAndReportsEveryFieldInSiUnits()
    {
        var c = CaseReader.Parse(TestCases.TinyCrack, "tiny-crack");
        var result = BackendComparison.Run(c, "cpu", "ilgpu-cpu", 2, TestCases.TempDir());
        output.WriteLine(result.Table());
        Assert.Equal(2, result.A.Steps);
        Assert.Equal(result.A.Steps, result.B.Steps);
        Assert.Equal(["xi", "phi, electrolyte (ξ < ½)", "phi, in the metal (ξ ≥ ½; σ_min only, not tested)", "cell_voltage"],
            result.Fields.Select(f => f.Field));
        var phi = result.Fields[1];
        Assert.Equal("V", phi.Unit);
        Assert.InRange(phi.MaxAbs, 1e-4, 1.0); // volts, not RT/F units
        Assert.True(phi.Tested && !result.Fields[2].Tested);
        var voltage = result.Fields.Single(f => f.Field == "cell_voltage");
        Assert.InRange(voltage.MaxAbs, 1e-3, 1.0);
        Assert.True(result.MaxRelative <= 1e-4, result.Table());
    }
}

/// <summary>`phasefield devices --check` on one backend: sums, maxima and body labelling against known answers.</summary>
public abstract class BackendSelfCheckPasses(string backend, ITestOutputHelper output)
{
    [SkippableFact]
    public void SumsMaximaAndLabelsMatchTheKnownAnswers()
    {
        using var b = TestCases.BackendOrSkip(backend);
        var checks = BackendSelfCheck.Run(b).ToList();
        foreach (var (check, passed, detail) in checks) output.WriteLine($"{(passed ? "pass" : "FAIL")} {check}: {detail}");
        Assert.Equal(5, checks.Count);
        Assert.All(checks, c => Assert.True(c.Passed, $"{c.Check}: {c.Detail}"));
    }
}

public sealed class BackendSelfCheckPassesOnCpu(ITestOutputHelper output) : BackendSelfCheckPasses("cpu", output);
public sealed class BackendSelfCheckPassesOnIlgpuCpu(ITestOutputHelper output) : BackendSelfCheckPasses("ilgpu-cpu", output);
public sealed class BackendSelfCheckPassesOnCuda(ITestOutputHelper output) : BackendSelfCheckPasses("cuda", output);
public sealed class BackendSelfCheckPassesOnOpenCl(ITestOutputHelper output) : BackendSelfCheckPasses("opencl", output);
