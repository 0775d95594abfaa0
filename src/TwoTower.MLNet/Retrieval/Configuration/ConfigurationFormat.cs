namespace TwoTower.MLNet.Retrieval.Configuration;

/// <summary>Text format of a configuration file; files are told apart by extension (.json, .yaml or .yml).</summary>
public enum ConfigurationFormat
{
    /// <summary>JSON (comments and trailing commas allowed).</summary>
    Json,
    /// <summary>YAML 1.2 (one document; plain scalars typed by the core schema: null, booleans, integers, floats, else strings).</summary>
    Yaml,
}
