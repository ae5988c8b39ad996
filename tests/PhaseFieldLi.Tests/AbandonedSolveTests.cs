using PhaseFieldLi.Cases;
using PhaseFieldLi.Grids;
using PhaseFieldLi.Models;
using PhaseFieldLi.OutputWriters;
using PhaseFieldLi.Simulations;

namespace PhaseFieldLi.Tests;

/// <summary>
/// A signal during a long potential solve (faults issue: steps listen for cancellation inside long
/// solves): the solve stops between Newton iterations and puts φ, the response φ_B and the body
/// potentials back as they were when it began, so the run checkpoints the step's start state at once
/// and a resume continues as if the signal had come between steps.
/// </summary>
public class AbandonedSolveTests
{
    private static ElectrodepositionModel AfterOneStep(PhaseFieldLi.Backends.Backend b, out double currentA)
    {
        var c = CaseReader.Parse(TestCases.TinyCrack, "tiny-crack");
        var model = new ElectrodepositionModel(c, b);
        currentA = c.Electrochemistry.CurrentDensityAt(0) * c.Grid.CrossSectionM2;
        model.SolvePotential(currentA);
        model.ComputeRates();
        model.AdvanceLiPhase(40.0);
        model.UpdateBodies();
        return model;
    }

    [Fact]
    public void AnAbandonedSolvePutsTheStartBackAndTheNextSolveIsTheSame()
    {
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var model = AfterOneStep(b, out double current);
        var phi = model.State.Phi.ToArray();
        var phiB = model.State.PhiB.ToArray();
        var bodies = model.State.BodyPotential.ToArray();
        int asked = 0;
        var e = Assert.Throws<SolveAbandonedException>(() => model.SolvePotential(current, () => ++asked >= 1));
        Assert.Equal(1, e.NewtonIterations); // stopped after the first Newton iteration had changed φ
        Assert.Equal(phi, model.State.Phi.ToArray());
        Assert.Equal(phiB, model.State.PhiB.ToArray());
        Assert.Equal(bodies, model.State.BodyPotential.ToArray());

        // The solve after it gives, bit for bit, what it gives without the abandoned one.
        var resumed = model.SolvePotential(current);
        using var b2 = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
        using var plain = AfterOneStep(b2, out _);
        var reference = plain.SolvePotential(current);
        Assert.True(reference.NewtonIterations >= 2, "the solve needs more than one Newton iteration (else nothing was abandoned)");
        Assert.Equal(reference.NewtonIterations, resumed.NewtonIterations);
        Assert.Equal(plain.State.Phi.ToArray(), model.State.Phi.ToArray());
        Assert.Equal(plain.CellVoltageV, model.CellVoltageV);
    }

    private sealed class AbandoningStepper : IStepper
    {
        public bool Finished(RunState st) => false;
        public void Solve(RunState st) => throw new SolveAbandonedException(3);
        public double ChooseStep(RunState st, double landingTimeS) => 1;
        public void Advance(RunState st, double dtS) => st.Step++;
    }

    [Fact]
    public void TheLoopEndsAsForASignalWhenItsSolveIsAbandoned()
    {
        var loop = new TimeLoop(new AbandoningStepper(), new WholeGrid(new PhaseFieldLi.Kernels.Accessors.GridShape(1, 1, 1)));
        var st = new RunState();
        Assert.Equal(LoopEnd.Signal, loop.Run(st, CancellationToken.None));
        Assert.True(loop.AbandonedSolve);
        Assert.Equal(0, st.Step); // the step did not happen
    }
}
