using System.Globalization;

namespace PhaseFieldLi.Tests;

/// <summary>
/// The TOML tables that the test cases share, written once, so that a test's case reads as the
/// tables that make it different. Lengths in metres, as in every case file; the text goes through
/// the same reader as a file does.
/// </summary>
internal static class CaseText
{
    /// <summary>[grid]: nx × ny × nz cells of the given spacing [m].</summary>
    public static string Grid(int nx, int ny, int nz, double spacingM) => Invariant($"""
        [grid]
        cells = [{nx}, {ny}, {nz}]
        spacing = {Number(spacingM)}
        """);

    /// <summary>[electrodes]: collector, the two Li electrodes and the growth room above the negative one [m].</summary>
    public static string Electrodes(double collectorM, double negativeLiM, double positiveLiM, double growthRoomM) => Invariant($"""
        [electrodes]
        collector_thickness = {Number(collectorM)}
        negative_li_thickness = {Number(negativeLiM)}
        positive_li_thickness = {Number(positiveLiM)}
        growth_room = {Number(growthRoomM)}
        """);

    /// <summary>A [[flaw]] box from min to max [m], with its damage and Li fraction where given.</summary>
    public static string Box((double X, double Y, double Z) minM, (double X, double Y, double Z) maxM, double? damage = null, double? li = null) =>
        Flaw(Invariant($"""
            shape = "box"
            min = {Vector(minM)}
            max = {Vector(maxM)}
            """), damage, li);

    /// <summary>A [[flaw]] sphere [m], with its damage and Li fraction where given.</summary>
    public static string Sphere((double X, double Y, double Z) centreM, double radiusM, double? damage = null, double? li = null) =>
        Flaw(Invariant($"""
            shape = "sphere"
            centre = {Vector(centreM)}
            radius = {Number(radiusM)}
            """), damage, li);

    private static string Flaw(string shape, double? damage, double? li) =>
        "[[flaw]]\n" + shape
        + (damage is { } d ? Invariant($"\ndamage = {Number(d)}") : "")
        + (li is { } l ? Invariant($"\nli = {Number(l)}") : "");

    private static string Vector((double X, double Y, double Z) p) => Invariant($"[{Number(p.X)}, {Number(p.Y)}, {Number(p.Z)}]");

    /// <summary>A TOML float: the shortest text that reads back to the same double, never an integer.</summary>
    private static string Number(double x)
    {
        string s = x.ToString("R", CultureInfo.InvariantCulture);
        return s.IndexOfAny(['.', 'E', 'e', 'N', 'I']) < 0 ? s + ".0" : s;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
