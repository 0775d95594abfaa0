using Microsoft.AspNetCore.Builder;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;
using TwoTower.MLNet.Retrieval.Engine;
using TwoTower.MLNet.Tests.Retrieval;
using TwoTower.Serving.Hosting;

namespace TwoTower.Serving.Tests;

/// <summary>A running service on 127.0.0.1 (random port) over a small deterministic MF model with titled, genred items.</summary>
internal sealed class ServingFixture : IAsyncDisposable
{
    public const string ApiKey = "test-key-123";
    public static readonly string[] Genres = { "Action", "Comedy", "Drama" };

    private ServingFixture(WebApplication app, HttpClient client, RetrievalEngine engine)
    {
        App = app;
        Client = client;
        Engine = engine;
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public RetrievalEngine Engine { get; }

    public static async Task<ServingFixture> StartAsync(string? apiKey = ApiKey, string? stateDirectory = null, int users = 20, int items = 30,
        Func<RetrievalEngineOptions, RetrievalEngineOptions>? configure = null, Func<LoadedModel, LoadedModel>? model = null)
    {
        var options = new RetrievalEngineOptions { IndexSpec = "HNSW16", ProjectionMinInteractions = 0, StateDirectory = stateDirectory };
        var loaded = Model(users, items);
        var engine = RetrievalEngine.Create(model?.Invoke(loaded) ?? loaded, Items(items), null, configure?.Invoke(options) ?? options);
        var app = ServingApp.Build(engine, new ServingOptions { ApiKey = apiKey, MaxK = 50, MaxBodyBytes = 4096 });
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = ServingApp.ListeningAddress(app), Timeout = TimeSpan.FromSeconds(20) };
        return new ServingFixture(app, client, engine);
    }

    public static LoadedModel Model(int users, int items, int dim = 8, int seed = 11) => RetrievalFixture.Model(users, items, dim, seed);

    public static ItemMetadata Items(int items) => new(Enumerable.Range(1, items).Select(i =>
        new ItemRecord(i.ToString(), $"Movie {i}", new[] { Genres[i % 3] }, new DateOnly(1990 + i % 10, 1, 1))), Genres);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
