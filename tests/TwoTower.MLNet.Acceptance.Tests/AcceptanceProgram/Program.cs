// A plain ML.NET user's program: load CSV, fit a two-tower pipeline, save, load, predict.
using Microsoft.ML;
using Microsoft.ML.Data;
using TwoTower.MLNet;

var (trainPath, modelPath) = (args[0], args[1]);
var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromTextFile<Interaction>(trainPath, separatorChar: ',', hasHeader: true);

var pipeline = ml.TwoTower().Trainers.TwoTower(new TwoTowerOptions
    {
        UserIdColumn = nameof(Interaction.UserId),
        ItemIdColumn = nameof(Interaction.ItemId),
        Epochs = 5,
    })
    .Append(ml.TwoTower().Transforms.Recommend(k: 10, excludeSeen: true));

var model = pipeline.Fit(train);
ml.Model.Save(model, train.Schema, modelPath);

var loaded = ml.Model.Load(modelPath, out _);
var engine = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(loaded);
var before = ml.Model.CreatePredictionEngine<UserRequest, Recommendations>(model).Predict(new UserRequest { UserId = "1" });
var after = engine.Predict(new UserRequest { UserId = "1" });
if (after.ItemIds.Length != 10) throw new Exception($"expected 10 items, got {after.ItemIds.Length}");
if (!before.ItemIds.SequenceEqual(after.ItemIds)) throw new Exception("save/load changed the recommendations");

var sw = System.Diagnostics.Stopwatch.StartNew();
var lat = new List<double>();
for (int u = 1; u <= 943; u++)
{
    var t0 = sw.Elapsed.TotalMicroseconds;
    engine.Predict(new UserRequest { UserId = u.ToString() });
    lat.Add(sw.Elapsed.TotalMicroseconds - t0);
}
lat.Sort();
Console.WriteLine($"ok items={string.Join(' ', after.ItemIds)} p50_us={lat[lat.Count / 2]:F0} p99_us={lat[(int)(lat.Count * 0.99)]:F0}");

public class Interaction
{
    [LoadColumn(0)] public string UserId { get; set; } = "";
    [LoadColumn(1)] public string ItemId { get; set; } = "";
    [LoadColumn(2)] public float Rating { get; set; }
    [LoadColumn(3)] public long Timestamp { get; set; }
}

public class UserRequest
{
    public string UserId { get; set; } = "";
}

public class Recommendations
{
    public string[] ItemIds { get; set; } = [];
    public float[] Scores { get; set; } = [];
}
