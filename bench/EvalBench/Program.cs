// Evaluation speed: exact full ranking and TFRS protocol over ML-100K (943 users × catalogue), warm, median of runs.
// usage: dotnet run -c Release --project bench/EvalBench [-- --runs 20 --threads 0]
using System.Diagnostics;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Evaluation;
using TwoTower.MLNet.Models.Baselines;
using TwoTower.MLNet.Training;

var runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(int.Parse).FirstOrDefault(20);
var threads = args.SkipWhile(a => a != "--threads").Skip(1).Select(int.Parse).FirstOrDefault(0);
var shared = Environment.GetEnvironmentVariable("TWOTOWER_SHARED") ?? Path.Combine("..", "shared");
string Split(string s, string p) => Path.Combine(shared, "datasets", "splits", "ml-100k", s, p + ".csv");

Console.WriteLine($"machine: {TwoTower.MLNet.Index.Benchmarking.RunEnvironment.Line(threads == 0 ? Environment.ProcessorCount : threads)}; {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
foreach (var (split, protocol) in new[] { ("p2", "full"), ("p1", "tfrs") })
{
    var train = CsvInteractions.Load(Split(split, "train"));
    var test = CsvInteractions.Load(Split(split, "test"));
    foreach (var trainer in new IRecommenderTrainer[] { new PopularityTrainer(), new ItemItemTrainer() })
    {
        var model = trainer.Fit(TrainingData.Create(train));
        var set = EvaluationSet.Create(model, train, test);
        EvaluationResult Run() => protocol == "full"
            ? RetrievalEvaluator.EvaluateFullRanking(model, set.History, set.Test, threads: threads)
            : RetrievalEvaluator.EvaluateTfrs(model, set.History, set.Test, threads: threads);
        Run();
        var times = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            Run();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"{split} {protocol,-4} {model.ModelType,-10} users {set.Test.Users.Count} × items {model.Items.Count}, {set.Test.Count} test rows: median {times[times.Count / 2]:0.0} ms, min {times[0]:0.0} ms");
    }
}
