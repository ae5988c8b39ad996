using Xunit.Abstractions;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The potential's Newton solve converges below the float32 rounding floor of φ (issue: large grids).
/// φ is stored in float32, so a Newton iteration that solves for φ itself cannot bring the true
/// residual of the charge equation below ≈ ε_float‖A‖‖φ‖/‖rhs‖, a floor that grows like N² with the
/// grid. On the quickstart grid (20 × 20 × 120) that floor is 1.7e-5; at 128 × 128 × 256 it is 1e-4,
/// the default Newton tolerance, so every step of a large run used to run to newton_max_iterations.
/// </summary>
public class PotentialPrecisionTests(ITestOutputHelper output)
{
    /// <summary>
    /// The quickstart case with a Newton tolerance of 1e-7, two decades under its float32 floor: each
    /// step must converge in a few Newton iterations (a solve stuck at the floor takes all 16), and the
    /// converged potential must make the negative electrode carry the applied current.
    /// </summary>
    [Fact]
    public void NewtonReachesAToleranceBelowTheFloat32FloorOfPhi()
    {
        string text = File.ReadAllText(Path.Combine(CaseFileErrorTests.RepoRoot(), "cases", "quickstart.toml"))
            .Replace("end = 3000.0", "end = 400.0")
            .Replace("output_interval = 500.0", "output_interval = 0")
            + "\n[solver]\nnewton_tolerance = 1e-7\ntolerance = 1e-8\n";
        var r = TestCases.Run(text);
        foreach (var row in r.Summary.Rows)
            output.WriteLine($"step {row.Step}: Newton {row.NewtonIterations}, linear {row.LinearIterations}, " +
                             $"I₋/I = {row.NegativeCurrentA / row.AppliedCurrentA:R}");
        Assert.True(r.Summary.Rows.Count >= 4, $"{r.Summary.Rows.Count} steps");
        Assert.Equal(0, r.Summary.UnconvergedSolves);
        Assert.All(r.Summary.Rows, row => Assert.InRange(row.NewtonIterations, 1, 6));
        Assert.All(r.Summary.Rows, row => Assert.InRange(row.NegativeCurrentA / row.AppliedCurrentA, 1 - 1e-5, 1 + 1e-5));
    }
}
