using PhaseFieldLi.Backends;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The same case gives the same fields on every backend: one property, run on each backend by a small
/// subclass below. CI has cpu and ilgpu-cpu; on a machine without CUDA or OpenCL those subclasses
/// report skipped (not passed). Tolerance: max |Δξ| ≤ 1e-4 and max |Δφ| ≤ 1e-4 V after the run
/// (float32 kernels; the reduction order differs between backends, so the iterative solves stop at
/// slightly different iterates).
/// </summary>
public abstract class BackendAgreement(string backend, ITestOutputHelper output)
{
    [SkippableFact]
    public void TheTinyCrackRunGivesTheHostBackendsFields()
    {
        try
        {
            using var probe = BackendCatalog.Create(backend);
        }
        catch (ArgumentException e)
        {
            Skip.If(true, $"no {backend} device here: {e.Message}");
        }
        var host = TestCases.Run(TestCases.TinyCrack, "cpu");
        var other = TestCases.Run(TestCases.TinyCrack, backend);
        float dx = 0, dp = 0;
        for (int n = 0; n < host.Xi.Length; n++)
        {
            dx = Math.Max(dx, Math.Abs(host.Xi[n] - other.Xi[n]));
            dp = Math.Max(dp, Math.Abs(host.PhiVolts[n] - other.PhiVolts[n]));
        }
        output.WriteLine($"cpu vs {backend} after {host.Summary.Steps} steps: max|Δξ| = {dx:E2}, max|Δφ| = {dp:E2} V, " +
                         $"V = {host.CellVoltageV * 1e3:F4} / {other.CellVoltageV * 1e3:F4} mV");
        Assert.Equal(host.Summary.Steps, other.Summary.Steps);
        Assert.True(host.Summary.Steps >= 3);
        Assert.True(dx <= 1e-4, $"max|Δξ| = {dx:E2}");
        Assert.True(dp <= 1e-4, $"max|Δφ| = {dp:E2} V");
        // The run did something: Li moved.
        float moved = 0;
        var initial = PhaseFieldLi.Models.InitialConditions.Build(PhaseFieldLi.Cases.CaseReader.Parse(TestCases.TinyCrack, "t")).Xi;
        for (int n = 0; n < initial.Length; n++) moved = Math.Max(moved, Math.Abs(host.Xi[n] - initial[n]));
        Assert.True(moved > 1e-2, $"nothing happened (max change of ξ {moved:E2})");
    }
}

/// <summary>ILGPU's CPU emulator: the device code path, run in CI.</summary>
public sealed class IlgpuCpuAgreesWithHost(ITestOutputHelper output) : BackendAgreement("ilgpu-cpu", output);

public sealed class CudaAgreesWithHost(ITestOutputHelper output) : BackendAgreement("cuda", output);

public sealed class OpenClAgreesWithHost(ITestOutputHelper output) : BackendAgreement("opencl", output);
