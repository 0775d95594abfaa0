using System.Globalization;
using System.Text;
using TwoTower.MLNet.Data;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Splits;

/// <summary>Writes interaction logs as CSV (user_id,item_id,rating,timestamp), atomically.</summary>
public static class InteractionCsvWriter
{
    /// <summary>Writes <paramref name="log"/> to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void Write(InteractionLog log, string path)
    {
        ArgumentNullException.ThrowIfNull(log);
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            w.NewLine = "\n";
            w.WriteLine("user_id,item_id,rating,timestamp");
            for (var r = 0; r < log.Count; r++)
            {
                w.Write(CsvLineParser.Quote(log.Users[r])); w.Write(',');
                w.Write(CsvLineParser.Quote(log.Items[r])); w.Write(',');
                w.Write(log.Ratings[r].ToString("R", CultureInfo.InvariantCulture)); w.Write(',');
                w.WriteLine(log.Timestamps[r].ToString(CultureInfo.InvariantCulture));
            }
        });
    }

    /// <summary>Writes train.csv, valid.csv and test.csv into <paramref name="dir"/>.</summary>
    public static void WriteSplit(SplitResult split, string dir)
    {
        Write(split.Train, Path.Combine(dir, "train.csv"));
        Write(split.Valid, Path.Combine(dir, "valid.csv"));
        Write(split.Test, Path.Combine(dir, "test.csv"));
    }
}
