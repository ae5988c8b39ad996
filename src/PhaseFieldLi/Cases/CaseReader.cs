using PhaseFieldLi.Grids;
using Tomlyn;
using Tomlyn.Model;

namespace PhaseFieldLi.Cases;

/// <summary>
/// Reads a TOML case file in SI units. Every key is optional except [grid] cells and spacing; every
/// value is range-checked; unknown keys are errors. The allowed keys are listed in cases/README.md.
/// </summary>
public static class CaseReader
{
    public static Case ReadFile(string path) => ReadFile(path, []);

    /// <summary>A case file with command-line overrides applied (<see cref="CaseOverrides"/>), validated as one.</summary>
    public static Case ReadFile(string path, IReadOnlyList<string> overrides)
    {
        if (!File.Exists(path))
            throw new CaseException("case", $"\"{path}\"", "no such file");
        return Parse(CaseOverrides.Apply(File.ReadAllText(path), overrides), Path.GetFileNameWithoutExtension(path));
    }

    public static Case Parse(string text, string name)
    {
        RejectDuplicates(text);
        TomlTable root = Deserialize(text);
        // The TOML reader keeps only the last run of [[flaw]] tables when another table sits between
        // them (valid TOML); table order carries no meaning here, so the [[flaw]] blocks are moved
        // together and the file read again, and the count is checked either way.
        int declared = FlawHeaders(text);
        if (declared != CountFlaws(root))
        {
            root = Deserialize(GatherFlawBlocks(text));
            if (declared != CountFlaws(root))
                throw new CaseException("flaw", $"({declared} [[flaw]] tables)", $"only {CountFlaws(root)} could be read; keep the [[flaw]] tables together");
        }
        var top = new TomlSection(root, "");
        string title = top.Text("name", name);
        // The name becomes the default output folder runs/<name>: one file-name component, nothing that
        // climbs out of runs/ or needs quoting ("../../escape", "/abs", "..", "" were all taken as paths).
        if (title != name && (title.Length is 0 or > 100 || title is "." or ".." || !title.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.')))
            throw top.Error("name", title, "must be 1–100 letters, digits, '-', '_' or '.' (it names the output folder runs/<name>), not . or ..");
        var physics = top.Choice("physics", "electrodeposition", "electrodeposition", "fracture", "coupled") switch
        {
            "fracture" => Physics.Fracture,
            "coupled" => Physics.Coupled,
            _ => Physics.Electrodeposition,
        };

        var g = top.Section("grid");
        double[] cells = g.Vector("cells", 3, "(nx, ny, nz)", required: true)!;
        for (int a = 0; a < 3; a++)
            if (cells[a] != Math.Floor(cells[a]) || cells[a] < (a == 2 ? 8 : 1) || cells[a] > 4096)
                throw g.Error("cells", $"[{string.Join(", ", cells)}]", "must be integers: nx, ny in [1, 4096], nz in [8, 4096]");
        double h = g.Number("spacing", 0, 1e-9, 1e-3, "m", required: true, exclusiveMin: true);
        var grid = new Grid((int)cells[0], (int)cells[1], (int)cells[2], h);
        if ((long)grid.Nx * grid.Ny * grid.Nz > int.MaxValue / 2)
            throw g.Error("cells", $"[{string.Join(", ", cells)}]", "has too many cells for one device (at most 2^30)");
        g.RejectUnknownKeys();

        var t = top.Section("time");
        var time = new TimeSettings(
            EndS: t.Number("end", 0, 0, 1e9, "s", required: true, exclusiveMin: true),
            MaxStepS: t.Number("max_step", 1.0, 0, 1e6, "s", exclusiveMin: true),
            MaxXiChangePerStep: t.Number("max_dxi", 0.05, 0, 0.5, "(phase-field change per step)", exclusiveMin: true),
            OutputIntervalS: t.Number("output_interval", 0, 0, 1e9, "s (0: first and last snapshot only)"),
            DiagnosticsEverySteps: t.Integer("diagnostics_every", 1, 1, 1_000_000),
            MaxSteps: t.Integer("max_steps", 1_000_000, 1, int.MaxValue),
            CheckpointIntervalS: t.Number("checkpoint_interval", 0, 0, 1e9, "s (0: at the end and on Ctrl+C only)"),
            MinStepS: t.Number("min_step", 1e-9, 0, 1e6, "s (a smaller time step stops the run)"),
            MaxDamageChangePerStep: t.Number("max_dd", 0.2, 0, 1, "(damage change per step, coupled runs)", exclusiveMin: true));
        // A run writes at most a million snapshots or checkpoints; a shorter interval (1e-300 stalled
        // the checkpoint schedule and made steps of 1e-12 s) is an error, not a run that never ends.
        foreach (var (key, interval) in new[] { ("output_interval", time.OutputIntervalS), ("checkpoint_interval", time.CheckpointIntervalS) })
            if (interval > 0 && interval < time.EndS * 1e-6)
                throw t.Error(key, interval, $"must be 0 or at least end / 10⁶ = {time.EndS * 1e-6:G3} s (more would be over a million files)");
        t.RejectUnknownKeys();

        var e = top.Section("electrochemistry");
        string control = e.Choice("control", "galvanostatic", "galvanostatic", "potentiostatic");
        double sigma = e.Number("sigma_llzo", 0.05, 0, 1e6, "S/m", exclusiveMin: true);
        var schedule = ReadSchedule(e);
        var chem = new Electrochemistry(
            TemperatureK: e.Number("temperature", 298.15, 1, 2000, "K"),
            MolarVolumeM3PerMol: e.Number("molar_volume", 13.148e-6, 0, 1e-3, "m³/mol", exclusiveMin: true),
            SigmaLlzoSPerM: sigma,
            SigmaMinSPerM: e.Number("sigma_min", 1e-4 * sigma, 0, sigma, "S/m (must not exceed sigma_llzo)", exclusiveMin: true),
            ExchangeCurrentDensityAPerM2: e.Number("exchange_current_density", 50, 0, 1e7, "A/m²", exclusiveMin: true),
            Alpha: e.Number("alpha", 0.5, 0, 1, "(transfer coefficient, open interval)", exclusiveMin: true, exclusiveMax: true),
            Control: control == "galvanostatic" ? CellControl.Galvanostatic : CellControl.Potentiostatic,
            CurrentSchedule: schedule,
            CellVoltageV: e.Number("cell_voltage", 0.0, -10, 10, "V"));
        e.RejectUnknownKeys();
        RejectDegenerateCell(e, chem, grid);

        var p = top.Section("phase_field");
        double width = p.Number("interface_width", 2 * h, 0, 1, "m", exclusiveMin: true);
        if (width < 1.5 * h)
            throw p.Error("interface_width", width, $"must be at least 1.5 grid spacings ({1.5 * h:G4} m) to be resolved");
        if (width > grid.Nz * h / 4)
            throw p.Error("interface_width", width, $"must be at most a quarter of the cell's height ({grid.Nz * h / 4:G4} m = nz × spacing / 4): the interfaces would fill the cell");
        var pf = new PhaseFieldSettings(
            InterfaceWidthM: width,
            InterfaceEnergyJPerM2: p.Number("interface_energy", 0.5, 0, 100, "J/m²", exclusiveMin: true),
            MobilityM3PerJS: p.Number("mobility", 1e-9, 0, 1, "m³/(J·s)", exclusiveMin: true),
            EmptyCrackXi: p.Number("empty_crack_xi", 0.05, 0, 1, "(phase-field value)", exclusiveMin: true),
            LabelThreshold: p.Number("label_threshold", 0.05, 0, 0.5, "(phase-field value)", exclusiveMin: true),
            RimThreshold: p.Number("rim_threshold", 1e-8, 0, 0.5, "(phase-field value, below label_threshold)", exclusiveMin: true),
            ConfineToDamage: p.Boolean("confine_to_damage", true),
            RelabelEvery: p.Integer("relabel_every", 10, 1, 1_000_000),
            CrackFaceConduction: p.Boolean("crack_face_conduction", false),
            FilmFloor: p.Number("film_floor", 0, 0, 0.5, "(phase-field value; 0 = off)"),
            ThinSheets: p.Boolean("thin_sheets", false),
            SheetEdgeThicknessM: p.Number("sheet_edge_thickness", 1e-7, 0, 1, "m", exclusiveMin: true),
            SheetsInsideLi: p.Boolean("sheets_inside_li", false));
        if (pf.ThinSheets && pf.SheetEdgeThicknessM >= h)
            throw p.Error("sheet_edge_thickness", pf.SheetEdgeThicknessM, $"must be below the grid spacing ({h:G4} m): a sheet is thinner than a cell");
        if (pf.ThinSheets && pf.SheetEdgeThicknessM < pf.LabelThreshold * h)
            throw p.Error("sheet_edge_thickness", pf.SheetEdgeThicknessM,
                $"must be at least label_threshold × spacing ({pf.LabelThreshold * h:G4} m) so that a covered sheet cell connects its body");
        // L_η = i₀ V_m / (3 F δ) is a float in the kernels: it must not flush to zero.
        double kineticRate = chem.ExchangeCurrentDensityAPerM2 * chem.MolarVolumeM3PerMol / (3 * PhysicalConstants.Faraday * width);
        if (kineticRate < 1e-30)
            throw e.Error("exchange_current_density", chem.ExchangeCurrentDensityAPerM2,
                $"gives a kinetic mobility L_η = i₀ V_m / (3 F δ) of {kineticRate:G3} 1/s, below the 1e-30 1/s that single precision holds");
        if (pf.RimThreshold >= pf.LabelThreshold)
            throw p.Error("rim_threshold", pf.RimThreshold, $"must be below label_threshold ({pf.LabelThreshold})");
        p.RejectUnknownKeys();

        var s = top.Section("solver");
        var solver = new SolverSettings(
            Method: s.Choice("method", "mgcg", "mgcg", "jacobi-cg") == "mgcg" ? PotentialSolver.MultigridCg : PotentialSolver.JacobiCg,
            Tolerance: s.Number("tolerance", 1e-5, 1e-8, 0.1, "(relative residual)"),
            MaxIterations: s.Integer("max_iterations", 5000, 1, 1_000_000),
            NewtonTolerance: s.Number("newton_tolerance", 1e-4, 1e-8, 0.1, "(relative residual at the start of a Newton step)"),
            NewtonMaxIterations: s.Integer("newton_max_iterations", 16, 1, 100),
            MaxFailuresInARow: s.Integer("max_failures_in_a_row", 20, 1, 1_000_000));
        s.RejectUnknownKeys();

        var el = top.Section("electrodes");
        var electrodes = new ElectrodeLayout(
            CollectorThicknessM: el.Number("collector_thickness", h, h, 1, "m (at least one cell)"),
            NegativeLiThicknessM: el.Number("negative_li_thickness", 3 * h, 0, 1, "m"),
            PositiveLiThicknessM: el.Number("positive_li_thickness", 3 * h, 0, 1, "m"),
            GrowthRoomM: el.Number("growth_room", 2 * h, 0, 1, "m"),
            SeparatorThicknessM: el.Number("separator_thickness", 0, 0, 1, "m"),
            SeparatorConductivitySPerM: el.Number("separator_conductivity", 0.1, 1e-6, 1e3, "S/m"));
        double used = 2 * electrodes.CollectorThicknessM + electrodes.NegativeLiThicknessM + electrodes.PositiveLiThicknessM
                      + 2 * electrodes.GrowthRoomM + 2 * electrodes.SeparatorThicknessM;
        if (physics != Physics.Fracture && used > 0.8 * grid.Nz * h) // a fracture-only case has no electrodes
            throw el.Error("negative_li_thickness", electrodes.NegativeLiThicknessM,
                $"electrodes (collectors + Li + growth room + separators = {used:G4} m) leave no electrolyte in a cell {grid.Nz * h:G4} m long");
        el.RejectUnknownKeys();

        var flaws = top.TableArray("flaw").Select(f => ReadFlaw(f, grid)).ToList();
        var mechanics = top.Has("mechanics") || top.Has("fracture")
            ? ReadMechanics(top.Section("mechanics"), top.Section("fracture"), h)
            : null;
        if (physics != Physics.Electrodeposition && mechanics == null)
            throw new CaseException("physics", physics == Physics.Fracture ? "\"fracture\"" : "\"coupled\"", "needs a [mechanics] or [fracture] table");
        if (mechanics?.LiCreep != null && (physics != Physics.Coupled || !pf.ThinSheets || mechanics.Anisotropy <= 0))
            throw new CaseException("mechanics.li_creep", "true",
                "the Li sheet flows along its crack's plane: it needs physics = \"coupled\", [phase_field] thin_sheets = true and a cleavage plane ([fracture] anisotropy > 0)");
        top.RejectUnknownKeys();
        return new Case(title, grid, time, chem, pf, solver, electrodes, flaws, text) { Mechanics = mechanics, Physics = physics };
    }

    private static TomlTable Deserialize(string text)
    {
        try
        {
            return TomlSerializer.Deserialize<TomlTable>(text)!;
        }
        catch (TomlException ex)
        {
            // Tomlyn: "(line,column) : error : what"; said as words, control characters escaped, kept short.
            string first = ex.Message.Split('\n')[0];
            var at = System.Text.RegularExpressions.Regex.Match(first, @"^\s*\((\d+),(\d+)\)\s*:\s*error\s*:\s*(.*)$");
            string what = at.Success ? $"at line {at.Groups[1].Value}, column {at.Groups[2].Value}: {at.Groups[3].Value}" : first;
            what = new string(what.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
            throw new CaseException("case", "(syntax)", "is not valid TOML " + (what.Length > 160 ? what[..157] + "..." : what));
        }
    }

    /// <summary>A table header line ([name] or [[name]]), not a row of a multi-line array.</summary>
    private static bool IsHeader(string line) =>
        System.Text.RegularExpressions.Regex.IsMatch(line, @"^\s*\[\[?\s*([A-Za-z_][\w.\-]*|""[^""]*""|'[^']*')\s*\]\]?\s*(#.*)?\r?$");
    private static bool IsFlawHeader(string line) => System.Text.RegularExpressions.Regex.IsMatch(line, @"^\s*\[\[\s*(flaw|""flaw""|'flaw')\s*\]\]");
    private static int FlawHeaders(string text) => text.Split('\n').Count(IsFlawHeader);
    private static int CountFlaws(TomlTable root) => root.TryGetValue("flaw", out var v) && v is TomlTableArray a ? a.Count : 0;

    /// <summary>The same TOML with every [[flaw]] block (header to the next header) moved to the end, in order.</summary>
    private static string GatherFlawBlocks(string text)
    {
        var rest = new List<string>();
        var flaws = new List<string>();
        bool inFlaw = false;
        foreach (string line in text.Split('\n'))
        {
            if (IsHeader(line)) inFlaw = IsFlawHeader(line);
            (inFlaw ? flaws : rest).Add(line);
        }
        return string.Join('\n', rest) + '\n' + string.Join('\n', flaws);
    }

    /// <summary>
    /// The TOML specification forbids defining a key twice in one table or a table twice. The reader
    /// used here keeps the last value, so `end = 3000.0` followed by `end = 100.0` ran to 100 s. This
    /// scan of the text catches both: table headers ([a], [[a]] opens a new table each time) and
    /// `key =` lines, outside multi-line strings and arrays.
    /// </summary>
    private static void RejectDuplicates(string text)
    {
        var tables = new HashSet<string>();
        var keys = new HashSet<string>();
        string table = "";
        int depth = 0;
        bool inString = false;
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Split("\"\"\"").Length % 2 == 0) { inString = !inString; continue; }
            if (inString || line.Length == 0 || line[0] == '#') continue;
            if (depth > 0) { depth += Brackets(line); continue; }
            if (line.StartsWith("[[", StringComparison.Ordinal))
            {
                table = line.Trim('[', ']', ' ');
                keys.Clear();
                continue;
            }
            if (line[0] == '[')
            {
                table = line.Trim('[', ']', ' ');
                if (!tables.Add(table)) throw new CaseException(table, $"[{table}]", "is defined twice (TOML allows one [table] header per table)");
                keys.Clear();
                continue;
            }
            int eq = line.IndexOf('=');
            if (eq <= 0) continue;
            string key = line[..eq].Trim().Trim('"');
            string value = line[(eq + 1)..].Trim();
            if (!keys.Add(key))
                throw new CaseException(table.Length > 0 ? $"{table}.{key}" : key, value.Length > 60 ? value[..60] + "…" : value,
                    "is defined twice in its table (TOML allows each key once)");
            depth = Brackets(line[eq..]);
        }
    }

    /// <summary>Open minus closed square brackets outside quoted strings and comments.</summary>
    private static int Brackets(string s)
    {
        int d = 0;
        bool quoted = false;
        foreach (char ch in s)
        {
            if (ch == '"') quoted = !quoted;
            else if (!quoted && ch == '#') break;
            else if (!quoted && ch == '[') d++;
            else if (!quoted && ch == ']') d--;
        }
        return Math.Max(0, d);
    }

    /// <summary>Largest drop across the cell the potentials are meant for [V] (float32 φ in units of RT/F, BV exponentials).</summary>
    public const double MaxCellDropV = 5.0;

    /// <summary>
    /// Parameters the ranges accept one by one but not together: a cell whose ohmic drop at the
    /// largest current (j_max L_z / σ_LLZO) or whose Butler–Volmer overpotential on a flat interface
    /// (η = (RT/F) asinh(j_max / 2i₀) / min(α, 1 − α)) exceeds <see cref="MaxCellDropV"/> would be run
    /// with meaningless float32 potentials and end in a misleading failure (a "short circuit"), so it
    /// is refused here, naming the key.
    /// </summary>
    private static void RejectDegenerateCell(TomlSection e, Electrochemistry chem, Grid grid)
    {
        if (chem.Control != CellControl.Galvanostatic) return; // the cell voltage (≤ 10 V) bounds a potentiostatic cell
        double jMax = chem.CurrentSchedule.Max(s => Math.Abs(s.CurrentDensityAPerM2));
        double lz = grid.Nz * grid.SpacingM;
        double ohmic = jMax * lz / chem.SigmaLlzoSPerM;
        if (ohmic > MaxCellDropV)
            throw e.Error("sigma_llzo", chem.SigmaLlzoSPerM,
                $"gives an ohmic drop of {ohmic:G3} V across the {lz * 1e6:G4} µm cell at {jMax:G4} A/m²; potentials above {MaxCellDropV} V are " +
                "outside what the solver resolves: raise sigma_llzo or lower the current density");
        double thermal = PhysicalConstants.GasConstant * chem.TemperatureK / PhysicalConstants.Faraday;
        double eta = thermal * Math.Asinh(jMax / (2 * chem.ExchangeCurrentDensityAPerM2)) / Math.Min(chem.Alpha, 1 - chem.Alpha);
        if (eta > MaxCellDropV)
            throw e.Error("exchange_current_density", chem.ExchangeCurrentDensityAPerM2,
                $"needs an overpotential of {eta:G3} V to carry {jMax:G4} A/m² (Butler–Volmer); above {MaxCellDropV} V the kinetics are outside " +
                "what the solver resolves: raise exchange_current_density or lower the current density");
    }

    private static IReadOnlyList<CurrentSegment> ReadSchedule(TomlSection e)
    {
        bool hasSchedule = e.Has("current_schedule");
        double j = e.Number("current_density", 4.7, -1e6, 1e6, "A/m²");
        if (!hasSchedule) return [new CurrentSegment(double.PositiveInfinity, j)];
        var pairs = e.VectorList("current_schedule", 2, "([until_s, A/m²])");
        if (pairs.Count == 0)
            throw e.Error("current_schedule", "[]", "must list at least one [until_s, current_density] pair");
        double last = 0;
        foreach (var pair in pairs)
        {
            if (pair[0] <= last)
                throw e.Error("current_schedule", $"[{pair[0]}, {pair[1]}]", "segment end times must increase from 0");
            if (Math.Abs(pair[1]) > 1e6)
                throw e.Error("current_schedule", $"[{pair[0]}, {pair[1]}]", "current densities must lie in [-1e6, 1e6] A/m², as current_density");
            last = pair[0];
        }
        return pairs.Select(x => new CurrentSegment(x[0], x[1])).ToList();
    }

    private static MechanicsSettings ReadMechanics(TomlSection m, TomlSection f, double h)
    {
        double e = m.Number("young_llzo", 150e9, 0, 1e13, "Pa", exclusiveMin: true);
        double nu = m.Number("poisson_llzo", 0.26, -0.99, 0.49, "");
        string top = m.Choice("top", "traction", "traction", "displacement");
        var settings = new MechanicsSettings(
            YoungLlzoPa: e,
            PoissonLlzo: nu,
            YoungLiPa: m.Number("young_li", 7.8e9, 0, 1e13, "Pa", exclusiveMin: true),
            PoissonLi: m.Number("poisson_li", 0.38, -0.99, 0.49, ""),
            ResidualStiffness: m.Number("residual_stiffness", 1e-6, 0, 0.1, "(k of (1 − d)² + k)", exclusiveMin: true),
            Top: top == "traction" ? TopLoad.Traction : TopLoad.Displacement,
            StackPressurePa: m.Number("stack_pressure", 0, -1e10, 1e10, "Pa (compressive positive)"),
            TopDisplacementM: m.Number("top_displacement", 0, -1, 1, "m (positive = tension)"),
            CrackPressurePa: m.Number("crack_pressure", 0, 0, 1e11, "Pa"),
            CrackPressureRatePaPerS: m.Number("crack_pressure_rate", 0, 0, 1e15, "Pa/s"),
            FractureEnergyJPerM2: 0,
            LengthScaleM: f.Number("length_scale", 2 * h, 0, 1, "m", exclusiveMin: true),
            Anisotropy: f.Number("anisotropy", 0, 0, 1e4, "(β of A = I + β(I − M⊗M))"),
            CleavageAxis: 0,
            Tolerance: m.Number("tolerance", 1e-6, 1e-9, 0.1, "(relative residual of the elastic solve)"),
            MaxIterations: m.Integer("max_iterations", 20000, 1, 10_000_000),
            StaggerTolerance: f.Number("stagger_tolerance", 1e-3, 1e-8, 1, "(max change of d between staggered iterations)"),
            StaggerMaxIterations: f.Integer("stagger_max_iterations", 50, 1, 100_000),
            PlaneStrain: m.Boolean("plane_strain", false),
            Preconditioner: m.Choice("preconditioner", "multigrid", "multigrid", "jacobi") == "multigrid"
                ? ElasticPreconditioner.Multigrid : ElasticPreconditioner.Jacobi,
            Split: f.Choice("energy_split", "volumetric-deviatoric", "volumetric-deviatoric", "spectral") == "spectral"
                ? EnergySplit.Spectral : EnergySplit.VolumetricDeviatoric,
            StaggerRelaxation: f.Number("stagger_relaxation", 1.0, 1.0, 1.9, "(ω of the staggered damage update d + ω(d_solved − d))"),
            LiCreep: m.Boolean("li_creep", false)
                ? new LiCreepLaw(
                    StressExponent: m.Number("li_creep_exponent", 6.56, 1, 20, "(n of ε̇ = A σⁿ exp(−Q/RT))"),
                    PrefactorPerMPaNPerS: m.Number("li_creep_prefactor", 2.23e4, 0, 1e30, "MPa⁻ⁿ/s (A)", exclusiveMin: true),
                    ActivationEnergyJPerMol: m.Number("li_creep_activation_energy", 37e3, 0, 1e6, "J/mol (Q)"),
                    OpenToElectrodes: m.Boolean("li_creep_electrodes", false),
                    YieldStressPa: m.Number("li_creep_yield_stress", 0, 0, 1e10, "Pa (σ_y of ε̇ = A (σ − σ_y)ⁿ exp(−Q/RT))"))
                : null);
        foreach (string key in new[] { "li_creep_exponent", "li_creep_prefactor", "li_creep_activation_energy", "li_creep_electrodes", "li_creep_yield_stress" })
            if (m.Has(key) && settings.LiCreep == null)
                throw m.Error(key, "(without li_creep = true)", "the creep law needs li_creep = true");
        if (m.Has("top_displacement") && top != "displacement")
            throw m.Error("top_displacement", settings.TopDisplacementM, "needs top = \"displacement\"");
        if (settings.LengthScaleM < h)
            throw f.Error("length_scale", settings.LengthScaleM, $"must be at least one grid spacing ({h:G4} m) to be resolved (2–3 h recommended)");

        // G_c: given, or from K_IC (plane strain). Not both.
        if (f.Has("fracture_energy") && f.Has("toughness"))
            throw f.Error("toughness", "(with fracture_energy)", "give either fracture_energy (G_c) or toughness (K_IC), not both");
        double gc = f.Has("fracture_energy")
            ? f.Number("fracture_energy", 0, 0, 1e6, "J/m²", exclusiveMin: true)
            : Math.Pow(f.Number("toughness", 0.6e6, 0, 1e9, "Pa·m^½", exclusiveMin: true), 2) * (1 - nu * nu) / e;

        var normal = f.Vector("cleavage_normal", 3, "(unit vector along x, y or z)") ?? [1, 0, 0];
        int axis = Array.FindIndex(normal, v => v != 0);
        if (axis < 0 || normal.Count(v => v != 0) != 1)
            throw f.Error("cleavage_normal", $"[{string.Join(", ", normal)}]",
                "must be along a grid axis ([1, 0, 0], [0, 1, 0] or [0, 0, 1]); rotated cleavage planes need the full anisotropic operator, which is not built yet");
        bool corrected = f.Boolean("discrete_toughness_correction", false);
        m.RejectUnknownKeys();
        f.RejectUnknownKeys();
        return settings with { FractureEnergyJPerM2 = gc, CleavageAxis = axis, DiscreteToughnessCorrection = corrected };
    }

    private static Flaw ReadFlaw(TomlSection f, Grid grid)
    {
        string shape = f.Choice("shape", "box", "box", "disc", "sphere");
        double damage = f.Number("damage", 1.0, 0, 1, "");
        double li = f.Number("li", 0.0, 0, 1, "(initial Li fraction)");
        bool emptied = f.Boolean("emptied", false);
        if (emptied && li > 0)
            throw f.Error("emptied", "true", $"an emptied flaw holds no Li (li = {li})");
        Flaw flaw;
        if (shape == "box")
        {
            var min = f.Vector("min", 3, "[m]", required: true)!;
            var max = f.Vector("max", 3, "[m]", required: true)!;
            for (int a = 0; a < 3; a++)
                if (max[a] <= min[a])
                    throw f.Error("max", $"[{string.Join(", ", max)}]", "must exceed min in every component");
            flaw = new Flaw(FlawShape.Box, min, max, [], 0, 0, [], damage, li, emptied);
        }
        else if (shape == "sphere")
        {
            var centre = f.Vector("centre", 3, "[m]", required: true)!;
            double radius = f.Number("radius", 0, 0, 1, "m", required: true, exclusiveMin: true);
            flaw = new Flaw(FlawShape.Sphere, [], [], centre, radius, 0, [], damage, li, emptied);
        }
        else
        {
            var centre = f.Vector("centre", 3, "[m]", required: true)!;
            double radius = f.Number("radius", 0, 0, 1, "m", required: true, exclusiveMin: true);
            double thickness = f.Number("thickness", 0, 0, 1, "m", required: true, exclusiveMin: true);
            var normal = f.Vector("normal", 3, "(unit vector)") ?? [1, 0, 0];
            double n = Math.Sqrt(normal.Sum(x => x * x));
            if (n < 1e-12)
                throw f.Error("normal", $"[{string.Join(", ", normal)}]", "must be a non-zero vector");
            flaw = new Flaw(FlawShape.Disc, [], [], centre, radius, thickness, normal.Select(x => x / n).ToArray(), damage, li, emptied);
        }
        // A flaw wholly outside the domain would vanish without a word.
        double[] size = [grid.Nx * grid.SpacingM, grid.Ny * grid.SpacingM, grid.Nz * grid.SpacingM];
        double reach = flaw.Shape == FlawShape.Disc ? Math.Sqrt(flaw.RadiusM * flaw.RadiusM + flaw.ThicknessM * flaw.ThicknessM / 4) : flaw.RadiusM;
        for (int a = 0; a < 3; a++)
        {
            double lo = flaw.Shape == FlawShape.Box ? flaw.MinM[a] : flaw.CentreM[a] - reach;
            double hi = flaw.Shape == FlawShape.Box ? flaw.MaxM[a] : flaw.CentreM[a] + reach;
            if (hi <= 0 || lo >= size[a])
            {
                string key = flaw.Shape == FlawShape.Box ? (hi <= 0 ? "max" : "min") : "centre";
                var v = flaw.Shape == FlawShape.Box ? (hi <= 0 ? flaw.MaxM : flaw.MinM) : flaw.CentreM;
                throw f.Error(key, $"[{string.Join(", ", v.Select(x => x.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))}]",
                    $"puts the flaw wholly outside the domain along {"xyz"[a]} (0 to {size[a]:G4} m)");
            }
        }
        f.RejectUnknownKeys();
        return flaw;
    }
}
