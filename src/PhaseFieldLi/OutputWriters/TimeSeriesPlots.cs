namespace PhaseFieldLi.OutputWriters;

/// <summary>
/// PNG figures of the time series, written next to the snapshots when a run ends (ScottPlot):
/// cell voltage, currents, tip position, tip current density, the first isolated body's centre of
/// mass, Li volume — axes with units.
/// Each is written atomically like every other output file.
/// </summary>
public static class TimeSeriesPlots
{
    /// <summary>A written figure: its file, the y range drawn (as the plot reports it) and the range of its data.</summary>
    public sealed record Figure(string Path, double YMin, double YMax, double DataMin, double DataMax);

    private sealed record Panel(string File, string Title, string YLabel, (string Legend, Func<DiagnosticsRow, double> Y, double Scale)[] Series)
    {
        /// <summary>A panel of the negative electrode's tip: drawn only when the run has one.</summary>
        public bool AboutTheTip { get; init; }
    }

    private static readonly Panel[] Panels =
    [
        new("cell_voltage.png", "Cell voltage", "Φ₊ − Φ₋ [mV]", [("cell voltage", r => r.CellVoltageV, 1e3)]),
        new("current.png", "Electrode currents", "current [nA]",
            [("applied", r => r.AppliedCurrentA, 1e9), ("negative electrode", r => r.NegativeCurrentA, 1e9),
             ("positive electrode", r => -r.PositiveCurrentA, 1e9)]),
        new("tip_position.png", "Deepest Li tip (negative electrode)", "height above the negative electrode [µm]",
            [("tip", r => r.TipHeightM, 1e6)]) { AboutTheTip = true },
        new("tip_current_density.png", "Tip current density", "j [A/m²]",
            [("charge equation", r => r.TipCurrentDensityAPerM2, 1), ("zF/V_m · dx/dt (over 5 steps)", r => r.TipCurrentDensityFromVelocityAPerM2, 1),
             ("nominal", r => r.NominalCurrentDensityAPerM2, 1)]) { AboutTheTip = true },
        new("isolated_li.png", "First isolated Li body (label 2)", "centre of mass z [µm]",
            [("centre of mass", r => r.Body2CentreZM, 1e6)]),
        new("li_volume.png", "Li volume", "volume [µm³]",
            [("negative electrode", r => r.NegativeLiVolumeM3, 1e18), ("whole cell", r => r.TotalLiVolumeM3, 1e18)]),
    ];

    /// <summary>
    /// Writes every panel that has data into <paramref name="directory"/> (the tip's only when
    /// <paramref name="hasTip"/>); returns the paths. The tip speed's current density is drawn as the
    /// least-squares slope of the tip height over the last 5 steps (the step-to-step difference jumps
    /// each time the ξ = ½ crossing moves into the next cell).
    /// </summary>
    public static IReadOnlyList<Figure> Write(string directory, IReadOnlyList<DiagnosticsRow> rows, double chargePerVolumeCPerM3,
        bool hasTip = true)
    {
        var paths = new List<Figure>();
        if (rows.Count == 0) return paths;
        double[] t = rows.Select(r => r.TimeS).ToArray();
        double[] smoothJ = SmoothedTipCurrentDensity(rows, 5, chargePerVolumeCPerM3);
        foreach (var panel in Panels)
        {
            if (panel.AboutTheTip && !hasTip) continue;
            var plot = new ScottPlot.Plot();
            int drawn = 0;
            foreach (var (legend, y, scale) in panel.Series)
            {
                var ys = legend.StartsWith("zF/V_m") ? smoothJ : rows.Select(r => y(r) * scale).ToArray();
                var keep = Enumerable.Range(0, ys.Length).Where(n => double.IsFinite(ys[n])).ToArray();
                if (keep.Length == 0) continue;
                drawn++;
                var line = plot.Add.Scatter(keep.Select(n => t[n]).ToArray(), keep.Select(n => ys[n]).ToArray());
                if (panel.Series.Length > 1) line.LegendText = legend; // one series: its title and axis say what it is
                line.MarkerSize = 0;
            }
            if (drawn == 0) continue; // e.g. no isolated body in this run
            plot.Title(panel.Title);
            plot.XLabel("time [s]");
            plot.YLabel(panel.YLabel);
            // The y range spans at least 5 % of the largest |value| (or ±1 if all are zero): a galvanostatic
            // current of 24 nA with 1e-5 solver noise is a flat line, not a drama on a 1e-4 nA axis.
            var finite = panel.Series.SelectMany(p => p.Legend.StartsWith("zF/V_m") ? smoothJ : rows.Select(r => p.Y(r) * p.Scale))
                .Where(double.IsFinite).ToArray();
            double lo = finite.Min(), hi = finite.Max(), largest = Math.Max(Math.Abs(lo), Math.Abs(hi));
            double minSpan = largest > 0 ? 0.05 * largest : 2;
            double margin = 0.08 * Math.Max(hi - lo, minSpan);
            double mid = 0.5 * (lo + hi), half = 0.5 * Math.Max(hi - lo, minSpan) + margin;
            plot.Axes.SetLimitsY(mid - half, mid + half);
            if (panel.Series.Length > 1) plot.ShowLegend(ScottPlot.Edge.Bottom); // below the axes, never over the data
            string path = Path.Combine(directory, panel.File);
            byte[] png = plot.GetImageBytes(900, 560, ScottPlot.ImageFormat.Png);
            AtomicFile.Write(path, s => s.Write(png));
            var drawnLimits = plot.Axes.GetLimits();
            paths.Add(new Figure(path, drawnLimits.Bottom, drawnLimits.Top, lo, hi));
        }
        return paths;
    }

    /// <summary>
    /// zF/V_m · dx/dt [A/m²] with dx/dt the least-squares slope of the tip height over the last
    /// <paramref name="window"/> rows (NaN until there are two); z F/V_m = <paramref name="chargePerVolume"/> [C/m³].
    /// </summary>
    public static double[] SmoothedTipCurrentDensity(IReadOnlyList<DiagnosticsRow> rows, int window, double chargePerVolume)
    {
        var j = new double[rows.Count];
        for (int n = 0; n < rows.Count; n++)
        {
            var pts = Enumerable.Range(Math.Max(0, n - window + 1), Math.Min(window, n + 1))
                .Select(m => (T: rows[m].TimeS, Z: rows[m].TipHeightM)).Where(p => double.IsFinite(p.Z)).ToList();
            if (pts.Count < 2) { j[n] = double.NaN; continue; }
            double tm = pts.Average(p => p.T), zm = pts.Average(p => p.Z);
            double stt = pts.Sum(p => (p.T - tm) * (p.T - tm)), stz = pts.Sum(p => (p.T - tm) * (p.Z - zm));
            j[n] = stt > 0 ? chargePerVolume * stz / stt : double.NaN;
        }
        return j;
    }
}
