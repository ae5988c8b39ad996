using PhaseFieldLi.Backends;
using PhaseFieldLi.Cases;
using PhaseFieldLi.Models;
using PhaseFieldLi.Simulations;

namespace PhaseFieldLi.Tests;

/// <summary>Small cases written as TOML text, and a helper that runs one to the end.</summary>
internal static class TestCases
{
    /// <summary>
    /// A 1-D column (1 × 1 × nz cells): negative electrode at the bottom, positive at the top, planar
    /// fronts. Extra TOML (sections or flaws) is appended verbatim.
    /// </summary>
    public static string Column(int nz, double h, double delta, string electrochemistry, double end, double maxStep,
        double mobility, string extraPhaseField = "", string extra = "", double liThickness = 6e-6,
        double? positiveLiThickness = null, double? growthRoom = null) => $"""
        name = "column"
        {CaseText.Grid(1, 1, nz, h)}
        [time]
        end = {end:R}
        max_step = {maxStep:R}
        output_interval = 0
        [electrochemistry]
        {electrochemistry}
        [phase_field]
        interface_width = {delta:R}
        mobility = {mobility:R}
        {extraPhaseField}
        {CaseText.Electrodes(h, liThickness, positiveLiThickness ?? liThickness, growthRoom ?? 4 * delta)}
        {extra}
        """;

    /// <summary>A tiny 3-D cell with a Li-filled crack (8 × 8 × 16 cells, for the ILGPU emulator).</summary>
    public static readonly string TinyCrack = $"""
        name = "tiny-crack"
        {CaseText.Grid(8, 8, 16, 2.0e-6)}
        [time]
        end = 150.0
        max_step = 50.0
        output_interval = 100.0
        [electrochemistry]
        current_density = 15.0
        [phase_field]
        interface_width = 3.0e-6
        {CaseText.Electrodes(2.0e-6, 4.0e-6, 4.0e-6, 2.0e-6)}
        {CaseText.Box((6e-6, 4e-6, 4e-6), (10e-6, 12e-6, 18e-6))}
        {CaseText.Box((6e-6, 4e-6, 4e-6), (10e-6, 12e-6, 12e-6), li: 1.0)}
        """;

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "pfli-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>The tiny crack case, coupled: stack pressure, β = 10 cleavage, Δd step bound 0.02.</summary>
    public static readonly string TinyCoupled = "physics = \"coupled\"\n" + TinyCrack.Replace("max_step = 50.0", "max_step = 50.0\nmax_dd = 2e-2") + """

        [mechanics]
        stack_pressure = 4.0e6
        tolerance = 1e-5
        [fracture]
        length_scale = 4.0e-6
        cleavage_normal = [1, 0, 0]
        anisotropy = 10.0
        stagger_tolerance = 1e-2
        """;

    /// <summary>
    /// A coupled run on the cpu backend (growth strain on), watching every step for damage that
    /// decreases anywhere (WorstHealing: the largest decrease of d in one cell over one step).
    /// </summary>
    public sealed class CoupledRun : IDisposable
    {
        private readonly PhaseFieldLi.Backends.Backend _backend;

        public CoupledRun(Case c)
        {
            _backend = PhaseFieldLi.Backends.BackendCatalog.Create("cpu");
            Model = new ElectrodepositionModel(c, _backend);
            Mechanics = new FractureModel(Model);
            Mechanics.EnableGrowthStrain();
            Model.CoupleMechanics(Mechanics);
            var sim = new Simulation(Model, TempDir()) { Mechanics = Mechanics };
            var previous = Model.State.Damage.ToArray();
            sim.StepCompleted += _ =>
            {
                var d = Model.State.Damage.ToArray();
                for (int n = 0; n < d.Length; n++) WorstHealing = Math.Max(WorstHealing, previous[n] - d[n]);
                previous = d;
            };
            Summary = sim.Run();
        }

        public ElectrodepositionModel Model { get; }
        public FractureModel Mechanics { get; }
        public RunSummary Summary { get; }
        public double WorstHealing { get; private set; }

        /// <summary>ΔV₋ / (∫I dt · V_m/F): the negative electrode's Li volume against the passed charge.</summary>
        public double ChargeRatio()
        {
            var rows = Summary.Rows;
            double charge = 0;
            for (int n = 0; n < rows.Count - 1; n++) charge += rows[n].AppliedCurrentA * rows[n].DtS;
            return (rows[^1].NegativeLiVolumeM3 - rows[0].NegativeLiVolumeM3) / (charge * Model.Scaling.MolarVolume / Scaling.Faraday);
        }

        public void Dispose()
        {
            Mechanics.Dispose();
            Model.Dispose();
            _backend.Dispose();
        }
    }

    /// <summary>A run's last state: ξ, the ionic φ [V], the labels and each body's potential [V] (by label).</summary>
    public sealed record Result(RunSummary Summary, float[] Xi, float[] PhiVolts, double CellVoltageV, Scaling Scaling)
    {
        public int[] Label { get; init; } = [];
        public double[] BodyPotentialsV { get; init; } = [];
    }

    /// <summary>The named backend, or a skip (reported as skipped, not passed) where this machine has no such device.</summary>
    public static PhaseFieldLi.Backends.Backend BackendOrSkip(string name)
    {
        try
        {
            return PhaseFieldLi.Backends.BackendCatalog.Create(name);
        }
        catch (ArgumentException e)
        {
            throw new Xunit.SkipException($"no {name} device here: {e.Message}");
        }
    }

    public static Result Run(string toml, string backend = "cpu", string? output = null)
    {
        var c = CaseReader.Parse(toml, "test");
        using var b = PhaseFieldLi.Backends.BackendCatalog.Create(backend);
        using var model = new ElectrodepositionModel(c, b);
        var summary = new Simulation(model, output ?? TempDir()).Run();
        var phi = model.State.Phi.ToArray().Select(p => (float)(p * model.Scaling.ThermalVoltageV)).ToArray();
        var label = model.State.Label.ToArray();
        return new Result(summary, model.State.Xi.ToArray(), phi, model.CellVoltageV, model.Scaling)
        {
            Label = label, BodyPotentialsV = Enumerable.Range(0, label.Max() + 1).Select(model.BodyPotentialV).ToArray(),
        };
    }

    /// <summary>Heights [m] of the ξ = ½ crossings along a 1 × 1 × nz column, bottom to top.</summary>
    public static List<double> Crossings(float[] xi, double h)
    {
        var z = new List<double>();
        for (int k = 0; k + 1 < xi.Length; k++)
            if ((xi[k] - 0.5) * (xi[k + 1] - 0.5) < 0)
                z.Add((k + 0.5 + (xi[k] - 0.5) / (xi[k] - xi[k + 1])) * h);
        return z;
    }

    /// <summary>Least-squares slope of y(x).</summary>
    public static double Slope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = 0, sxx = 0;
        for (int n = 0; n < x.Count; n++)
        {
            sxy += (x[n] - mx) * (y[n] - my);
            sxx += (x[n] - mx) * (x[n] - mx);
        }
        return sxy / sxx;
    }
}
