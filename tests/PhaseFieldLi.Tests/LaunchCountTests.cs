using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;
using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The launch, sync and transfer counts that `phasefield bench` reports per step are properties of the
/// algorithm, not of a backend: the host backend and ILGPU (its CPU emulator here, the same launch
/// code as CUDA and OpenCL) count the same syncs and field transfers for the same step, and ILGPU at
/// least as many launches (a device reduction adds a fold pass).
/// </summary>
public class LaunchCountTests(ITestOutputHelper output)
{
    private static (PotentialReport Potential, (long Launches, long Syncs, long Transfers) Counts) OneStep(string backendName)
    {
        var c = CaseReader.Parse(TestCases.TinyCrack, "tiny");
        using var backend = Backends.BackendCatalog.Create(backendName);
        using var model = new ElectrodepositionModel(c, backend);
        double current = c.Electrochemistry.CurrentDensityAt(0) * c.Grid.CrossSectionM2;
        var before = backend.Counts.Now;
        var potential = model.SolvePotential(current);
        var rates = model.ComputeRates();
        model.AdvanceLiPhase(Math.Min(c.Time.MaxStepS, c.Time.MaxXiChangePerStep / rates.MaxRatePerS));
        model.UpdateBodies();
        var after = backend.Counts.Now;
        return (potential, (after.Launches - before.Launches, after.Syncs - before.Syncs, after.Transfers - before.Transfers));
    }

    [Fact]
    public void HostAndIlgpuCountTheSameSyncsAndTransfersPerStep()
    {
        var host = OneStep("cpu");
        var device = OneStep("ilgpu-cpu");
        output.WriteLine($"cpu:       Newton {host.Potential.NewtonIterations}, linear {host.Potential.LinearIterations}, " +
                         $"launches {host.Counts.Launches}, syncs {host.Counts.Syncs}, transfers {host.Counts.Transfers}");
        output.WriteLine($"ilgpu-cpu: Newton {device.Potential.NewtonIterations}, linear {device.Potential.LinearIterations}, " +
                         $"launches {device.Counts.Launches}, syncs {device.Counts.Syncs}, transfers {device.Counts.Transfers}");
        Assert.Equal(host.Potential.NewtonIterations, device.Potential.NewtonIterations);
        Assert.Equal(host.Potential.LinearIterations, device.Potential.LinearIterations);
        Assert.True(host.Counts.Syncs > 0 && host.Counts.Launches >= host.Counts.Syncs);
        Assert.Equal(host.Counts.Syncs, device.Counts.Syncs);
        Assert.Equal(host.Counts.Transfers, device.Counts.Transfers);
        Assert.InRange(device.Counts.Launches, host.Counts.Launches, 3 * host.Counts.Launches);
    }
}
