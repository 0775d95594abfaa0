using System.CommandLine;
using TwoTower.MLNet.Data;

namespace TwoTower.Cli.Infrastructure;

/// <summary>The data options every command shares, and their resolution into logs and metadata.</summary>
internal sealed class DataArguments
{
    public Option<string?> Data { get; } = new("--data") { Description = "Dataset: a MovieLens folder (100K u.data, 1M ratings.dat, or ratings.csv layout) or an interactions CSV with a header." };
    public Option<string?> Train { get; } = new("--train") { Description = "Training interactions (CSV with a header, or a MovieLens folder)." };
    public Option<string?> Valid { get; } = new("--valid") { Description = "Validation interactions (same formats as --train)." };
    public Option<string?> Test { get; } = new("--test") { Description = "Test interactions (same formats as --train)." };
    public Option<string?> Items { get; } = new("--items") { Description = "Item metadata (titles, genres): a MovieLens folder or a CSV with id/title/genres columns." };
    public Option<string?> Users { get; } = new("--users") { Description = "User metadata: a MovieLens folder (u.user or users.dat)." };
    public Option<string?> UserCol { get; } = new("--user-col") { Description = "CSV header of the user id column (default: recognised by name)." };
    public Option<string?> ItemCol { get; } = new("--item-col") { Description = "CSV header of the item id column (default: recognised by name)." };
    public Option<string?> RatingCol { get; } = new("--rating-col") { Description = "CSV header of the rating column (optional)." };
    public Option<string?> TimeCol { get; } = new("--time-col") { Description = "CSV header of the timestamp column (optional)." };
    public Option<bool> SkipBadRows { get; } = new("--skip-bad-rows") { Description = "Skip malformed rows (and report how many) instead of failing." };

    // A command offers --items/--users only when it reads them: an option it took and ignored looked as if it had been used.
    public void AddTo(Command command, bool data = true, bool train = true, bool valid = true, bool test = true, bool items = true, bool users = true)
    {
        if (data) command.Options.Add(Data);
        if (train) command.Options.Add(Train);
        if (valid) command.Options.Add(Valid);
        if (test) command.Options.Add(Test);
        if (items) command.Options.Add(Items);
        if (users) command.Options.Add(Users);
        foreach (var o in new Option[] { UserCol, ItemCol, RatingCol, TimeCol, SkipBadRows }) command.Options.Add(o);
    }

    public DataLoadOptions LoadOptions(ParseResult r)
    {
        var user = r.GetValue(UserCol);
        var item = r.GetValue(ItemCol);
        CsvColumnMapping? mapping = null;
        if (user is not null || item is not null)
        {
            if (user is null || item is null) throw new UserInputException("--user-col and --item-col go together: name both columns.");
            mapping = new CsvColumnMapping(user, item, r.GetValue(RatingCol), r.GetValue(TimeCol));
        }
        else if (r.GetValue(RatingCol) is not null || r.GetValue(TimeCol) is not null)
            throw new UserInputException("--rating-col/--time-col need --user-col and --item-col as well.");
        return new DataLoadOptions { SkipBadRows = r.GetValue(SkipBadRows), Columns = mapping };
    }

    /// <summary>Loads one interactions argument, logging skipped rows.</summary>
    public InteractionLog LoadLog(string path, ParseResult r, CliConsole console, string what)
    {
        var log = DatasetLoader.Load(path, LoadOptions(r)).Interactions;
        if (log.SkippedRows > 0) console.Log($"{what}: skipped {log.SkippedRows} malformed rows in {path}.");
        if (log.Count == 0) throw new UserInputException($"{what} '{path}' has no interactions.");
        return log;
    }

    /// <summary>Training data: --train, else the whole --data set. Returns the log and any metadata from --data (skipped rows logged).</summary>
    public (InteractionLog Log, LoadedDataset? Dataset) LoadTrain(ParseResult r, CliConsole console)
    {
        var train = r.GetValue(Train);
        // Both given, --data was dropped whole, its metadata too, and nothing said so.
        if (train is not null && r.GetValue(Data) is not null)
            throw new UserInputException("--train and --data both give the training data: pass one (metadata beside --train comes from --items/--users).");
        if (train is not null) return (LoadLog(train, r, console, "--train"), null);
        var data = r.GetValue(Data) ?? throw new UserInputException("No training data: pass --train FILE (or --data DIR|FILE).");
        var ds = DatasetLoader.Load(data, LoadOptions(r));
        if (ds.Interactions.SkippedRows > 0) console.Log($"--data: skipped {ds.Interactions.SkippedRows} malformed rows in {data}.");
        ReportSkipped(console, "--data", ds.Items?.SkippedRows ?? 0, ds.Items?.Source);
        ReportSkipped(console, "--data", ds.Users?.SkippedRows ?? 0, ds.Users?.Source);
        return (ds.Interactions, ds);
    }

    /// <summary>Where <see cref="LoadTrain"/> read the training data, for messages: "--train 'x.csv'" or "--data 'dir'".</summary>
    public string TrainSource(ParseResult r) => r.GetValue(Train) is { } train ? $"--train '{train}'" : $"--data '{r.GetValue(Data)}'";

    public InteractionLog? LoadOptional(Option<string?> option, ParseResult r, CliConsole console)
    {
        var path = r.GetValue(option);
        return path is null ? null : LoadLog(path, r, console, option.Name);
    }

    /// <summary>Item metadata from --items, else from the dataset folder, else null (skipped rows logged).</summary>
    public ItemMetadata? LoadItems(ParseResult r, CliConsole console, LoadedDataset? dataset = null)
    {
        var path = r.GetValue(Items);
        if (path is null) return dataset?.Items;
        var items = DatasetLoader.LoadItems(path, LoadOptions(r));
        ReportSkipped(console, "--items", items.SkippedRows, items.Source);
        return items;
    }

    /// <summary>User metadata from --users, else from the dataset folder, else null (skipped rows logged).</summary>
    public UserMetadata? LoadUsers(ParseResult r, CliConsole console, LoadedDataset? dataset = null)
    {
        var path = r.GetValue(Users);
        if (path is null) return dataset?.Users;
        // A folder without a user file gives no metadata where the loader is asked in passing; named by --users, it is a mistake.
        var users = DatasetLoader.LoadUsers(path, LoadOptions(r))
            ?? throw new UserInputException($"--users '{path}' has no user metadata: expected u.user (MovieLens 100K) or users.dat (1M) in the folder.");
        ReportSkipped(console, "--users", users.SkippedRows, users.Source);
        return users;
    }

    // Metadata rows dropped by --skip-bad-rows, reported like interaction rows (the option promises a count).
    internal static void ReportSkipped(CliConsole console, string what, int skipped, string? source)
    {
        if (skipped > 0) console.Log($"{what}: skipped {skipped} malformed rows in {source}.");
    }
}
