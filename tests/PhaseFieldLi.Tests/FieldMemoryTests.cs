using PhaseFieldLi.Backends;
using PhaseFieldLi.Models;
using Xunit;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The backend's count of field memory: what the benchmark reports as bytes per cell. A coupled
/// model's fields are all counted while it lives and all freed when it is disposed (a leaked or
/// doubly freed field shows as a non-zero balance).
/// </summary>
public class FieldMemoryTests
{
    [Fact]
    public void CoupledModelCountsEveryFieldAndFreesThemAll()
    {
        var c = PhaseFieldLi.Cases.CaseReader.Parse(TestCases.TinyCoupled, "tiny-coupled");
        using var backend = BackendCatalog.Create("cpu");
        long electrochemistry, coupled;
        using (var model = new ElectrodepositionModel(c, backend))
        {
            electrochemistry = backend.Counts.FieldBytes;
            // The potential solve alone: at least its documented bytes per cell (the multigrid's coarse levels come on top).
            Assert.InRange(electrochemistry, (long)ElectrodepositionModel.BytesPerCell(c.Solver) * c.Grid.CellCount, long.MaxValue);
            using (var mechanics = new FractureModel(model))
            {
                coupled = backend.Counts.FieldBytes;
                // u, its load and inverse diagonal (3 per node), six cell fields and both CGs at the least.
                Assert.True(coupled - electrochemistry > (3L * 3 * 4 + 6 * 4) * c.Grid.CellCount,
                    $"mechanics fields {coupled - electrochemistry} B for {c.Grid.CellCount} cells");
                Assert.Equal(coupled, backend.Counts.PeakFieldBytes);
            }
            Assert.Equal(electrochemistry, backend.Counts.FieldBytes);
        }
        Assert.Equal(0, backend.Counts.FieldBytes);
        Assert.Equal(coupled, backend.Counts.PeakFieldBytes);
    }
}
