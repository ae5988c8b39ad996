using System.Diagnostics;
using PhaseFieldLi.Grids;
using PhaseFieldLi.OutputWriters;

namespace PhaseFieldLi.Simulations;

/// <summary>One kind of run's steps, as the time loop drives them (electrodeposition and coupled runs,
/// fracture load steps).</summary>
public interface IStepper
{
    /// <summary>The run has reached its end (end time, last load step or max_steps).</summary>
    bool Finished(RunState st);

    /// <summary>Brings the model to its state at st.TimeS (solves, rates, loads); watchdogs throw here.</summary>
    void Solve(RunState st);

    /// <summary>The step from st.TimeS, not past <paramref name="landingTimeS"/> (a schedule's next time).</summary>
    double ChooseStep(RunState st, double landingTimeS);

    /// <summary>Moves the model to the next step (st.Step and st.TimeS advance).</summary>
    void Advance(RunState st, double dtS);
}

/// <summary>Why a loop stopped before its end, if it did.</summary>
public enum LoopEnd { Finished, Signal, WallTime }

/// <summary>
/// The time loop every run goes through. Each pass: agree with the other ranks on whether to stop (a
/// signal, or the wall-time limit) and on the wall clock (one Allreduce), Solve, the State callbacks,
/// the step Δt (landing on the schedules that ask for it), the Step callbacks, Advance, the
/// AfterStep callbacks. What a run does besides stepping (snapshots, diagnostics rows, checkpoints,
/// progress) is a callback on a schedule.
/// </summary>
public sealed class TimeLoop(IStepper stepper, IPartition partition)
{
    public List<Callback> Callbacks { get; } = [];

    /// <summary>Wall-clock seconds after which the loop stops cleanly (its owner then checkpoints).</summary>
    public double WallTimeLimitS { get; init; } = double.PositiveInfinity;

    private const long SignalBit = 1L << 62;

    /// <summary>The loop ended in a solve abandoned for a signal (the stepper put the step's start state back).</summary>
    public bool AbandonedSolve { get; private set; }

    public LoopEnd Run(RunState st, CancellationToken cancel)
    {
        var wall = Stopwatch.StartNew();
        while (!stepper.Finished(st))
        {
            // The ranks stop together and see one wall clock (the slowest rank's).
            long mine = (long)wall.Elapsed.TotalMilliseconds | (cancel.IsCancellationRequested ? SignalBit : 0);
            long agreed = partition.Max(mine);
            if ((agreed & SignalBit) != 0) return LoopEnd.Signal;
            double wallS = (agreed & (SignalBit - 1)) / 1e3;
            if (wallS >= WallTimeLimitS) return LoopEnd.WallTime;

            try
            {
                stepper.Solve(st);
            }
            catch (Models.SolveAbandonedException)
            {
                // A solve abandoned for a signal (on some rank): the model is as at this step's start.
                AbandonedSolve = true;
                return LoopEnd.Signal;
            }
            RunStage(Stage.State, st, wallS);
            double landing = double.PositiveInfinity;
            foreach (var c in Callbacks) landing = Math.Min(landing, c.Schedule.LandingTimeS(st));
            double dt = stepper.ChooseStep(st, landing);
            RunStage(Stage.Step, st, wallS);
            stepper.Advance(st, dt);
            RunStage(Stage.AfterStep, st, wallS);
        }
        return LoopEnd.Finished;
    }

    private void RunStage(Stage stage, RunState st, double wallS)
    {
        foreach (var c in Callbacks)
            if (c.Stage == stage && c.Schedule.IsDue(st, wallS))
                c.Run(st);
    }
}
