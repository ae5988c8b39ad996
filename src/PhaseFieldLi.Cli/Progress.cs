using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PhaseFieldLi.OutputWriters;
using PhaseFieldLi.Simulations;

namespace PhaseFieldLi.Cli;

/// <summary>
/// Where a run is: step, simulated time, wall time, ETA (from a moving average: the simulated-time rate
/// over the last 20 steps, never counting the first step, which also builds the kernels and solver
/// levels and made the first ETA 7× too long), throughput and the last cell voltage. A live line on a terminal; a log line every 10 s when the
/// output is redirected (CI, nohup).
/// </summary>
public sealed class Progress(Simulation sim, ILogger log)
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly bool _live = !Console.IsOutputRedirected;
    private double _lastShown = double.NegativeInfinity;
    private readonly int _startStep = sim.State.Step;
    /// <summary>(wall, simulated time) after each of the last steps, the first step's end the oldest.</summary>
    private readonly Queue<(double Wall, double Time)> _recent = new();
    private const int Window = 20;

    public void OnStep(RunState st)
    {
        double now = _wall.Elapsed.TotalSeconds;
        _recent.Enqueue((now, st.TimeS));
        if (_recent.Count > Window + 1) _recent.Dequeue();
        if (now - _lastShown < (_live ? 0.5 : 10.0)) return;
        _lastShown = now;
        var c = sim.Model.Case;
        var (oldWall, oldTime) = _recent.Peek();
        double rate = now > oldWall ? (st.TimeS - oldTime) / (now - oldWall) : double.NaN;
        double eta = rate > 0 ? (c.Time.EndS - st.TimeS) / rate : double.NaN;
        double updates = (double)(st.Step - _startStep) * c.Grid.CellCount / Math.Max(now, 1e-9);
        string line = $"step {st.Step}  t = {st.TimeS:G4}/{c.Time.EndS:G4} s  wall {Format(now)}  ETA {Format(eta)}  " +
                      $"{updates:G3} cell-updates/s  V = {sim.Model.CellVoltageV * 1e3:F3} mV";
        if (_live) Console.Write("\r" + line.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 120) : 100));
        else log.LogInformation("{Line}", line);
    }

    public void Finish()
    {
        if (_live) Console.WriteLine();
    }

    /// <summary>m:ss, h:mm:ss, or days beyond 100 h (an ETA of 10¹⁵ s overflowed TimeSpan and ended the run).</summary>
    public static string Format(double seconds) =>
        !double.IsFinite(seconds) || seconds < 0 ? "?"
        : seconds >= 360_000 ? $"{seconds / 86_400:G3} d"
        : TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss");
}
