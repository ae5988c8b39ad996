namespace PhaseFieldLi.Cases;

/// <summary>One clear error about a case file: the key, the offending value and what is allowed.</summary>
public sealed class CaseException(string key, string value, string allowed)
    : Exception($"case error: '{key}' = {value}: {allowed}")
{
    public string Key { get; } = key;
    public string Value { get; } = value;
}
