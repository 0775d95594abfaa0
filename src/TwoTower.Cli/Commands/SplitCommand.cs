using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using TwoTower.Cli.Infrastructure;
using TwoTower.MLNet;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Splits;

namespace TwoTower.Cli.Commands;

/// <summary>`twotower split`: write train.csv, valid.csv, test.csv by a split protocol.</summary>
internal static class SplitCommand
{
    public static Command Create(CliConsole console)
    {
        var data = new DataArguments();
        var protocol = new Option<string>("--protocol") { Description = "random (seeded shuffle), leave-last-out (per user by time), temporal (global time cut).", Required = true };
        protocol.AcceptOnlyFromAmong("random", "leave-last-out", "temporal");
        var seed = new Option<int>("--seed") { Description = "Seed of the random protocol (the others take none).", DefaultValueFactory = _ => 42 };
        var validFraction = new Option<double>("--valid-fraction") { Description = "random/temporal: share of rows for validation.", DefaultValueFactory = _ => 0.1 };
        var testFraction = new Option<double>("--test-fraction") { Description = "random/temporal: share of rows for test.", DefaultValueFactory = _ => 0.1 };
        var output = new Option<string>("--out") { Description = "Output folder.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the row counts as the last line." };
        var cmd = new Command("split", "Split a dataset into train/valid/test CSV files.");
        data.AddTo(cmd, train: false, valid: false, test: false, items: false, users: false);
        foreach (var o in new Option[] { protocol, seed, validFraction, testFraction, output, json }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            console.Json = r.GetValue(json);
            var path = r.GetValue(data.Data) ?? throw new UserInputException("--data is required: the dataset to split.");
            if (r.GetValue(protocol) == "leave-last-out")
                foreach (var o in new Option[] { seed, validFraction, testFraction })
                    if (r.GetResult(o) is { Implicit: false }) throw new UserInputException($"{o.Name}: the leave-last-out split takes no fractions or seed (each user's last interaction is test, the one before valid).");
            // A time cut draws nothing at random: a seed given would be dropped while the user thinks it varied the split.
            if (r.GetValue(protocol) == "temporal" && r.GetResult(seed) is { Implicit: false })
                throw new UserInputException($"{seed.Name}: the temporal split takes no seed (the latest rows by timestamp are test, the ones before them valid).");
            if (r.GetValue(protocol) != "leave-last-out") CheckFractions(r.GetValue(validFraction), r.GetValue(testFraction));
            var dir = OutputPaths.Folder(r.GetValue(output), "--out", ["train.csv", "valid.csv", "test.csv"], ("--data", path));
            var log = data.LoadLog(path, r, console, "--data");
            var split = r.GetValue(protocol) switch
            {
                "random" => RandomSplit.Split(log, r.GetValue(validFraction), r.GetValue(testFraction), r.GetValue(seed)),
                "temporal" => TemporalSplit.Split(log, r.GetValue(validFraction), r.GetValue(testFraction)),
                _ => LeaveLastOutSplit.Split(log),
            };
            InteractionCsvWriter.WriteSplit(split, dir);
            var rows = split.Train.Count + split.Valid.Count + split.Test.Count;
            console.Info($"{r.GetValue(protocol)} split of {rows} rows → {dir}: train {split.Train.Count}, valid {split.Valid.Count}, test {split.Test.Count}");
            if (console.Json)
                console.WriteJson(new JsonObject { ["protocol"] = r.GetValue(protocol), ["train"] = split.Train.Count, ["valid"] = split.Valid.Count, ["test"] = split.Test.Count, ["out"] = dir });
            return 0;
        });
        return cmd;
    }

    // Before the data is read, and naming the flags: the split's own check names neither, after a load of the whole file.
    private static void CheckFractions(double valid, double test)
    {
        string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        if (!(valid >= 0 && valid < 1)) throw new UserInputException($"--valid-fraction {F(valid)}: the validation fraction must be in [0, 1).");
        if (!(test > 0 && test < 1)) throw new UserInputException($"--test-fraction {F(test)}: the test fraction must be in (0, 1).");
        if (valid + test >= 1)
            throw new UserInputException($"--valid-fraction {F(valid)} + --test-fraction {F(test)} = {(valid + test).ToString("0.###", CultureInfo.InvariantCulture)}: the sum must be below 1 to leave rows for training.");
    }
}
