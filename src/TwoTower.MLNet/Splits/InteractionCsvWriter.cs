using System.Globalization;
using System.Text;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Splits;

/// <summary>Writes interaction logs as CSV (user_id,item_id[,rating][,timestamp]: the columns the log has), atomically.</summary>
public static class InteractionCsvWriter
{
    /// <summary>Writes <paramref name="log"/> to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void Write(InteractionLog log, string path)
    {
        ArgumentNullException.ThrowIfNull(log);
        AtomicFile.Write(path, stream => WriteCsv(log, stream));
    }

    /// <summary>
    /// Writes train.csv, valid.csv and test.csv into <paramref name="dir"/> as one set: a failure (a full disk) leaves the
    /// folder's earlier split whole instead of a new train.csv beside the old valid and test files.
    /// </summary>
    public static void WriteSplit(SplitResult split, string dir)
    {
        ArgumentNullException.ThrowIfNull(split);
        AtomicFile.WriteAll([
            (Path.Combine(dir, "train.csv"), s => WriteCsv(split.Train, s)),
            (Path.Combine(dir, "valid.csv"), s => WriteCsv(split.Valid, s)),
            (Path.Combine(dir, "test.csv"), s => WriteCsv(split.Test, s)),
        ]);
    }

    private static void WriteCsv(InteractionLog log, Stream stream)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        w.NewLine = "\n";
        // A column the source did not have is left out, not filled with the loader's stand-in values (rating 1, time 0).
        w.WriteLine("user_id,item_id" + (log.HasRatings ? ",rating" : "") + (log.HasTimestamps ? ",timestamp" : ""));
        for (var r = 0; r < log.Count; r++)
        {
            w.Write(CsvLineParser.Quote(log.Users[r])); w.Write(',');
            w.Write(CsvLineParser.Quote(log.Items[r]));
            if (log.HasRatings) { w.Write(','); w.Write(log.Ratings[r].ToString("R", CultureInfo.InvariantCulture)); }
            if (log.HasTimestamps) { w.Write(','); w.Write(log.Timestamps[r].ToString(CultureInfo.InvariantCulture)); }
            w.WriteLine();
        }
    }
}
