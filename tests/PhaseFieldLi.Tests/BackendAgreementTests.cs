using PhaseFieldLi.Backends;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The same case gives the same fields on every backend present. CI has cpu and ilgpu-cpu; CUDA and
/// OpenCL are compared too where a device exists (the test says so when none does).
/// Tolerance: max |Δξ| ≤ 1e-4 and max |Δφ| ≤ 1e-4 V after the run (float32 kernels; reduction order
/// differs between backends, so the iterative solves stop at slightly different iterates).
/// </summary>
public class BackendAgreementTests(ITestOutputHelper output)
{
    private static (float Xi, float Phi) MaxDifference(TestCases.Result a, TestCases.Result b)
    {
        float dx = 0, dp = 0;
        for (int n = 0; n < a.Xi.Length; n++)
        {
            dx = Math.Max(dx, Math.Abs(a.Xi[n] - b.Xi[n]));
            dp = Math.Max(dp, Math.Abs(a.PhiVolts[n] - b.PhiVolts[n]));
        }
        return (dx, dp);
    }

    [Fact]
    public void IlgpuEmulatorMatchesHostBackend()
    {
        var host = TestCases.Run(TestCases.TinyCrack, "cpu");
        var emu = TestCases.Run(TestCases.TinyCrack, "ilgpu-cpu");
        var (dx, dp) = MaxDifference(host, emu);
        output.WriteLine($"cpu vs ilgpu-cpu after {host.Summary.Steps} steps: max|Δξ| = {dx:E2}, max|Δφ| = {dp:E2} V, " +
                         $"V = {host.CellVoltageV * 1e3:F4} / {emu.CellVoltageV * 1e3:F4} mV");
        Assert.Equal(host.Summary.Steps, emu.Summary.Steps);
        Assert.True(host.Summary.Steps >= 3);
        Assert.True(dx <= 1e-4, $"max|Δξ| = {dx:E2}");
        Assert.True(dp <= 1e-4, $"max|Δφ| = {dp:E2} V");
        // The run did something: Li moved.
        float moved = 0;
        var initial = PhaseFieldLi.Models.InitialConditions.Build(PhaseFieldLi.Cases.CaseReader.Parse(TestCases.TinyCrack, "t")).Xi;
        for (int n = 0; n < initial.Length; n++) moved = Math.Max(moved, Math.Abs(host.Xi[n] - initial[n]));
        Assert.True(moved > 1e-2, $"nothing happened (max change of ξ {moved:E2})");
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("opencl")]
    public void GpuBackendMatchesHostBackendWherePresent(string backend)
    {
        try
        {
            using var probe = Backends.Backends.Create(backend);
        }
        catch (ArgumentException e)
        {
            output.WriteLine($"skipped: {e.Message}");
            return;
        }
        var host = TestCases.Run(TestCases.TinyCrack, "cpu");
        var gpu = TestCases.Run(TestCases.TinyCrack, backend);
        var (dx, dp) = MaxDifference(host, gpu);
        output.WriteLine($"cpu vs {backend}: max|Δξ| = {dx:E2}, max|Δφ| = {dp:E2} V");
        Assert.True(dx <= 1e-4 && dp <= 1e-4);
    }
}
