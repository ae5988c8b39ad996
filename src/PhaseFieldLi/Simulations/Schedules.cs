using PhaseFieldLi.OutputWriters;

namespace PhaseFieldLi.Simulations;

/// <summary>
/// When a callback of the time loop runs (in the manner of Oceananigans' schedules): every N steps,
/// every Δt of simulated time, every interval of wall-clock time. A schedule is asked once per pass
/// of its stage; <see cref="IsDue"/> may advance the schedule's own state (the next time it is due).
/// </summary>
public abstract class Schedule
{
    /// <summary>Whether the callback runs now; a due time-based schedule moves on to its next time.</summary>
    public abstract bool IsDue(RunState st, double wallSeconds);

    /// <summary>
    /// The simulated time [s] the time step must not step over (so the callback runs exactly then), or
    /// +∞. Only schedules that land the step on their times (snapshots) say anything here.
    /// </summary>
    public virtual double LandingTimeS(RunState st) => double.PositiveInfinity;
}

/// <summary>Every <c>steps</c> steps (step 0 included).</summary>
public sealed class IterationInterval(int steps) : Schedule
{
    public override bool IsDue(RunState st, double wallSeconds) => st.Step % steps == 0;
}

/// <summary>
/// Every <c>intervalS</c> of simulated time, the next time kept in the run state (Next/SetNext), so a
/// resumed run keeps the schedule. intervalS = 0: once, at the first pass (then never).
/// With <c>land</c>, the time step is shortened so that the run passes exactly through each time;
/// <c>tolerance</c> [s] counts a time that close as reached.
/// </summary>
public sealed class TimeInterval(double intervalS, Func<RunState, double> next, Action<RunState, double> setNext, bool land,
    double tolerance) : Schedule
{
    public override bool IsDue(RunState st, double wallSeconds)
    {
        if (st.TimeS < next(st) - tolerance) return false;
        double n = intervalS > 0 ? next(st) + intervalS : double.PositiveInfinity;
        for (int guard = 0; n <= st.TimeS; guard++)
        {
            // An interval that rounding cannot add to the time any more (or thousands behind) jumps
            // to the first time after now instead of looping for ever.
            if (guard == 1000 || n + intervalS == n)
            {
                n = Math.BitIncrement(st.TimeS + intervalS);
                break;
            }
            n += intervalS;
        }
        setNext(st, n);
        return true;
    }

    public override double LandingTimeS(RunState st) => land ? next(st) : double.PositiveInfinity;
}

/// <summary>At one step only (a fracture run's last load step).</summary>
public sealed class AtStep(int step) : Schedule
{
    public override bool IsDue(RunState st, double wallSeconds) => st.Step == step;
}

/// <summary>Every <c>intervalS</c> of wall-clock time since the loop started (never at its start).</summary>
public sealed class WallTimeInterval : Schedule
{
    private readonly double _interval;
    private double _next;

    public WallTimeInterval(double intervalS)
    {
        _interval = intervalS;
        _next = intervalS;
    }

    public override bool IsDue(RunState st, double wallSeconds)
    {
        if (wallSeconds < _next) return false;
        while (_next <= wallSeconds) _next += _interval;
        return true;
    }
}

/// <summary>Due when any of its schedules is (each is asked, so each advances its own state).</summary>
public sealed class AnyOf(params Schedule[] schedules) : Schedule
{
    public override bool IsDue(RunState st, double wallSeconds)
    {
        bool due = false;
        foreach (var s in schedules) due |= s.IsDue(st, wallSeconds);
        return due;
    }

    public override double LandingTimeS(RunState st) => schedules.Min(s => s.LandingTimeS(st));
}

/// <summary>Where in a step a callback runs.</summary>
public enum Stage
{
    /// <summary>At time t, after the state is solved, before the time step is chosen (snapshots).</summary>
    State,
    /// <summary>After the time step Δt is chosen, before the model moves (the diagnostics row of t, Δt).</summary>
    Step,
    /// <summary>After the model moved to t + Δt (checkpoints, progress, the wall-time limit).</summary>
    AfterStep,
}

/// <summary>A named piece of work of the time loop on its schedule.</summary>
public sealed record Callback(string Name, Stage Stage, Schedule Schedule, Action<RunState> Run);
