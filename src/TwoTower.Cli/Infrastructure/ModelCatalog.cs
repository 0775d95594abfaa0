using System.CommandLine;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Training;

namespace TwoTower.Cli.Infrastructure;

/// <summary>The models `twotower train --model NAME` can fit, with the options each one reads.</summary>
internal sealed class ModelCatalog
{
    public Option<int> Seed { get; } = new("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 42 };
    public Option<int> Neighbors { get; } = new("--neighbors") { Description = "itemknn: neighbours kept per item.", DefaultValueFactory = _ => 200 };
    public Option<int> Threads { get; } = new("--threads") { Description = "Threads (0 = all cores).", DefaultValueFactory = _ => 0 };

    private readonly Dictionary<string, (string Description, Func<ParseResult, IRecommenderTrainer> Create)> _models;

    public ModelCatalog()
    {
        _models = new(StringComparer.OrdinalIgnoreCase)
        {
            ["random"] = ("seeded random scores (the floor)", r => new RandomTrainer(r.GetValue(Seed))),
            ["popularity"] = ("most popular items", _ => new PopularityTrainer()),
            ["itemknn"] = ("item-item cosine co-occurrence", r => new ItemItemTrainer(new ItemItemOptions { Neighbors = r.GetValue(Neighbors), Threads = r.GetValue(Threads) })),
        };
    }

    public IEnumerable<string> Names => _models.Keys;

    public string Describe() => string.Join(", ", _models.Select(m => $"{m.Key} ({m.Value.Description})"));

    public void AddOptionsTo(Command command)
    {
        command.Options.Add(Seed);
        command.Options.Add(Neighbors);
        command.Options.Add(Threads);
    }

    public IRecommenderTrainer Create(string name, ParseResult r) =>
        _models.TryGetValue(name, out var m)
            ? m.Create(r)
            : throw new UserInputException($"Unknown --model '{name}'. Available: {string.Join(", ", _models.Keys)}.");
}
