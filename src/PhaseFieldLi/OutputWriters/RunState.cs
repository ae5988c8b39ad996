namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// Everything the time loop carries from one step to the next besides the fields: what a checkpoint
/// must hold, with the fields, for a resumed run to continue bit for bit.
/// </summary>
public sealed class RunState
{
    public double TimeS { get; set; }
    public int Step { get; set; }
    public double NextOutputS { get; set; }
    public int SnapshotIndex { get; set; }
    public double LastTipHeightM { get; set; } = double.NaN;
    public double LastTipTimeS { get; set; } = double.NaN;
    public int UnconvergedSolves { get; set; }
    public double NextCheckpointS { get; set; }
    /// <summary>Coupled runs: staggered u–d iterations of the last mechanics step, and its largest damage
    /// change (the Δd bound of the next time step; NaN before the first).</summary>
    public int LastStaggerIterations { get; set; }
    public double LastStepDamageChange { get; set; } = double.NaN;
    /// <summary>(index, step, time) of every snapshot written so far, for the XDMF index.</summary>
    public List<(int Index, int Step, double TimeS)> Snapshots { get; } = [];
    /// <summary>The time-series rows written so far (CSV lines without the header).</summary>
    public List<string> SeriesLines { get; } = [];
}
