using System.CommandLine;
using System.Text.Json.Nodes;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
using TwoTower.MLNet.Models;
using TwoTower.MLNet.Persistence;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower export`: the model's towers and recommend graph as ONNX files plus metadata.json (DESIGN §4).</summary>
internal static class ExportCommand
{
    public static Command Create(CliConsole console)
    {
        var modelPath = new Option<string>("--model") { Description = "Model file written by `twotower train` (a vector model: twotower, ials, mf).", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder (created when missing): query_tower.onnx, item_tower.onnx, recommend.onnx, metadata.json.", Required = true };
        var k = new Option<int>("--k") { Description = "Items per user of recommend.onnx.", DefaultValueFactory = _ => 10 };
        var excludeSeen = new Option<bool>("--exclude-seen") { Description = "recommend.onnx leaves out each user's training items (stored in the model file)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line." };
        var cmd = new Command("export", "Export a model as ONNX (opset 17, IR 8) with a metadata JSON.");
        foreach (var o in new Option[] { modelPath, outDir, k, excludeSeen, json }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var dir = OutputPaths.Folder(r.GetValue(outDir), "--out", []);
            var loaded = ModelArgument.Load(r.GetValue(modelPath), "--model");
            if (loaded.Model is not IEmbeddingRecommender model)
                throw new UserInputException($"--model: a '{loaded.Model.ModelType}' model has no user and item vectors; export supports vector models (twotower, ials, mf).");
            var kk = r.GetValue(k);
            if (kk > model.Items.Count)
            {
                // As recommend and score do: a list never holds more than the catalogue.
                console.Log($"--k {kk}: the catalogue has {model.Items.Count} items; the graph returns {model.Items.Count} per user.");
                kk = model.Items.Count;
            }
            if (kk < 1) throw new UserInputException($"--k {kk}: must be in 1..{model.Items.Count} (the catalogue size).");
            var exclude = r.GetValue(excludeSeen);
            if (exclude && loaded.Seen is null) throw new UserInputException("--exclude-seen: the model file stores no training interactions; export without it.");
            var manifest = OnnxModelExporter.Export(model, dir, exclude ? loaded.Seen : null, kk);
            foreach (var f in manifest.Files) console.Info($"{Path.Combine(dir, f.File)}  ({f.Kind}: {string.Join(", ", f.Inputs.Select(i => $"{i.Name} {i.Type}[{string.Join(",", i.Shape)}]"))})");
            console.Info($"{Path.Combine(dir, OnnxModelExporter.ManifestFile)}  (dimension {manifest.Dimension}, normalization {manifest.Normalization}, {manifest.UserIds.Count} users, {manifest.ItemIds.Count} items)");
            if (console.Json)
            {
                var files = new JsonArray();
                foreach (var f in manifest.Files) files.Add(f.File);
                files.Add(OnnxModelExporter.ManifestFile);
                console.WriteJson(new JsonObject
                {
                    ["model"] = manifest.Model, ["dimension"] = manifest.Dimension, ["normalization"] = manifest.Normalization,
                    ["users"] = manifest.UserIds.Count, ["items"] = manifest.ItemIds.Count, ["k"] = kk, ["exclude_seen"] = exclude,
                    ["out"] = Path.GetFullPath(dir), ["files"] = files,
                });
            }
            return 0;
        });
        return cmd;
    }
}
