using TwoTower.MLNet.Features;

namespace TwoTower.MLNet.Towers;

/// <summary>Creates towers: the plug-in point for a second training backend.</summary>
public interface ITowerBackend
{
    /// <summary>Backend name (e.g. "managed").</summary>
    string Name { get; }

    /// <summary>Creates a tower named <paramref name="name"/> over <paramref name="features"/>, with parameters initialised from <paramref name="seed"/>.</summary>
    ITower CreateTower(string name, TowerArchitecture architecture, FeatureTable features, int seed, int threads);
}

/// <summary>The managed C# backend (SIMD kernels, no native code).</summary>
public sealed class ManagedTowerBackend : ITowerBackend
{
    /// <summary>The shared instance.</summary>
    public static ManagedTowerBackend Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "managed";

    /// <inheritdoc />
    public ITower CreateTower(string name, TowerArchitecture architecture, FeatureTable features, int seed, int threads) =>
        new ManagedTower(name, architecture, features, seed, threads);
}
