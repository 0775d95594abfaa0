using System.Text;
using System.Text.Json;
using TwoTower.MLNet.Index.Persistence;
using TwoTower.MLNet.Persistence;

namespace TwoTower.MLNet.Retrieval.Updates;

/// <summary>
/// Durable live updates: an append-only log of <see cref="UpdateRecord"/> lines, flushed to disk before an update is
/// acknowledged, plus a snapshot of the net state that lets the log be truncated. Recovery = snapshot, then log; a torn
/// last line (a crash mid-write, never acknowledged: cut short, or unreadable though its newline reached the disk) is
/// dropped, a corrupt line elsewhere is an error.
/// </summary>
public sealed class UpdateLog : IDisposable
{
    /// <summary>Snapshot file name inside the state folder.</summary>
    public const string SnapshotFile = "snapshot.jsonl";

    /// <summary>Log file name inside the state folder.</summary>
    public const string LogFile = "updates.log";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly object _gate = new();
    /// <summary>Lock file inside the state folder, held open exclusively while the log is open.</summary>
    public const string LockFile = FolderLock.FileName;

    private readonly FileStream _log;
    private readonly FileStream _lock;
    // Bytes of the log that hold acknowledged records; a failed append may leave more on disk, cut off before the next.
    private long _acknowledged;
    // Where the last appended record starts, while RetractLast may take it back (-1: no record since open, snapshot or retraction).
    private long _lastRecordStart = -1;
    // A cut to _acknowledged (a retraction, a failed append's remains) is not known to be on disk yet: Dispose retries it.
    private bool _cutPending;

    private UpdateLog(string directory, FileStream log, FileStream lockFile, int records)
    {
        Directory = directory;
        _log = log;
        _lock = lockFile;
        _acknowledged = log.Length;
        RecordsSinceSnapshot = records;
    }

    /// <summary>The state folder.</summary>
    public string Directory { get; }

    /// <summary>Records appended since the last snapshot.</summary>
    public int RecordsSinceSnapshot { get; private set; }

    /// <summary>Opens (creating when needed) the state folder; returns the log and the records to replay, snapshot first.</summary>
    public static UpdateLog Open(string directory, out IReadOnlyList<UpdateRecord> recovered) => Open(directory, OpenLogFile, out recovered);

    // Unbuffered: a record whose write failed must not linger in a buffer that a later flush would write after all.
    private static FileStream OpenLogFile(string path) => new(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0);

    /// <summary><see cref="Open(string, out IReadOnlyList{UpdateRecord})"/> with the log file opened by <paramref name="openLog"/> (tests inject failing writes).</summary>
    internal static UpdateLog Open(string directory, Func<string, FileStream> openLog, out IReadOnlyList<UpdateRecord> recovered)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(openLog);
        // Two writers would append at their own offsets and overwrite each other's records: one owner per folder.
        var lockFile = FolderLock.Acquire(directory, $"State folder '{directory}' is in use by another process (another server?); each server needs its own state folder.");
        try
        {
            return OpenLocked(directory, lockFile, openLog, out recovered);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    private static UpdateLog OpenLocked(string directory, FileStream lockFile, Func<string, FileStream> openLog, out IReadOnlyList<UpdateRecord> recovered)
    {
        var records = new List<UpdateRecord>();
        var snapshot = Path.Combine(directory, SnapshotFile);
        if (File.Exists(snapshot)) ReadLines(snapshot, records, tolerateTornTail: false);
        var logPath = Path.Combine(directory, LogFile);
        var fromLog = 0;
        long validLength = 0;
        if (File.Exists(logPath))
        {
            var before = records.Count;
            validLength = ReadLines(logPath, records, tolerateTornTail: true);
            fromLog = records.Count - before;
        }
        var stream = openLog(logPath);
        try
        {
            stream.SetLength(validLength); // drop a torn tail so the next record starts on a fresh line
            stream.Seek(0, SeekOrigin.End);
            // A log file just created has its name only in the folder: records flushed into it are lost with the name in a power cut.
            DirectorySync.Flush(directory);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        recovered = records;
        return new UpdateLog(directory, stream, lockFile, fromLog);
    }

    /// <summary>Appends a record and flushes it to disk; when this returns, the update survives a crash.</summary>
    public void Append(UpdateRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Json) + "\n");
        lock (_gate)
        {
            // A failed append (a full disk) can leave part of its record: without the cut, the next record would continue
            // that line and the folder would no longer open ("line N is not a valid update record").
            if (_log.Length != _acknowledged) _log.SetLength(_acknowledged);
            _log.Seek(_acknowledged, SeekOrigin.Begin);
            try
            {
                _log.Write(bytes);
                _log.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                _cutPending = true;
                try { _log.SetLength(_acknowledged); } catch (IOException) { } // else the next append, or Dispose, cuts it
                throw;
            }
            _lastRecordStart = _acknowledged;
            _acknowledged += bytes.Length;
            RecordsSinceSnapshot++;
            _cutPending = false; // the flush carried any earlier cut to disk along with this record
        }
    }

    /// <summary>
    /// Takes the last appended record back out of the log: its update failed to apply after it was logged, the caller was
    /// told so, and a restart must not replay it. Only the latest record can be taken back, and only until a snapshot.
    /// </summary>
    /// <remarks>
    /// When the cut fails (<see cref="IOException"/>), the record counts as taken back and the cut is made again by the next
    /// <see cref="Append"/> or <see cref="WriteSnapshot"/>, else by <see cref="Dispose"/>. Until then it is still on disk: a
    /// crash (or a <see cref="Dispose"/> whose cut fails too) before one of those replays it on the next open.
    /// </remarks>
    /// <exception cref="InvalidOperationException">No record was appended since the log was opened, since the last snapshot or since the last retraction.</exception>
    /// <exception cref="IOException">The cut could not be written; the next <see cref="Append"/>, <see cref="WriteSnapshot"/> or <see cref="Dispose"/> makes it.</exception>
    public void RetractLast()
    {
        lock (_gate)
        {
            if (_lastRecordStart < 0)
                throw new InvalidOperationException("No record to take back: none was appended since the log was opened, snapshotted or last took one back.");
            // Counted as gone before the cut: if the cut fails, the next append cuts the file to this length before writing.
            _acknowledged = _lastRecordStart;
            _lastRecordStart = -1;
            RecordsSinceSnapshot--;
            CutToAcknowledged();
        }
    }

    // Under _gate: the file cut to the acknowledged records and flushed; pending until the flush returns (Dispose retries it).
    private void CutToAcknowledged()
    {
        _cutPending = true;
        _log.SetLength(_acknowledged);
        _log.Flush(flushToDisk: true);
        _cutPending = false;
    }

    /// <summary>Writes the net state as the new snapshot (atomically: temp file, flush, rename, flush of the folder), then empties the log.</summary>
    public void WriteSnapshot(IEnumerable<UpdateRecord> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_gate)
        {
            AtomicFile.Write(Path.Combine(Directory, SnapshotFile), f =>
            {
                foreach (var r in state) f.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(r, Json) + "\n"));
            });
            // Records are idempotent, so a crash between the rename and this truncation only replays them once more.
            _log.SetLength(0);
            // Counted as empty before the flush: if it fails, the next append must not stretch the file back to the old length.
            _acknowledged = 0;
            _lastRecordStart = -1;
            RecordsSinceSnapshot = 0;
            _cutPending = true;
            _log.Flush(flushToDisk: true);
            _cutPending = false;
        }
    }

    /// <summary>
    /// Closes the log and lets go of the state folder. A cut still pending (a <see cref="RetractLast"/> or a failed
    /// <see cref="Append"/> whose cut failed) is made first, so a clean shutdown does not replay a record its caller was told
    /// had failed; should that cut fail again, the log is closed all the same and the record replays on the next open.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_cutPending)
            {
                try
                {
                    CutToAcknowledged();
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException) { } // documented: the record replays
            }
            try
            {
                _log.Dispose();
            }
            finally
            {
                // Released even when closing the log fails: else the folder stays locked to this process until it exits.
                _lock.Dispose();
            }
        }
    }

    // Returns the byte length of the valid prefix.
    private static long ReadLines(string path, List<UpdateRecord> into, bool tolerateTornTail)
    {
        var bytes = File.ReadAllBytes(path);
        var start = 0;
        var line = 0;
        while (start < bytes.Length)
        {
            line++;
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            var complete = end >= 0;
            // A line without its newline was never acknowledged (the newline is written with the record): drop it.
            if (!complete && tolerateTornTail) return start;
            var text = Encoding.UTF8.GetString(bytes, start, (complete ? end : bytes.Length) - start);
            if (text.Length > 0)
            {
                try
                {
                    into.Add(JsonSerializer.Deserialize<UpdateRecord>(text, Json)
                        ?? throw new InvalidDataException($"{path} line {line} is the JSON literal null, not an update record."));
                }
                catch (JsonException ex)
                {
                    // The last record can be torn with its newline on disk (a power cut persists blocks out of order, an
                    // unwritten one reads as zeros): never acknowledged, as an acknowledged record is flushed whole.
                    if (tolerateTornTail && (!complete || Array.IndexOf(bytes, (byte)'\n', end + 1) < 0)) return start;
                    throw new InvalidDataException($"{path} line {line} is not a valid update record: {ex.Message}", ex);
                }
            }
            if (!complete) return bytes.Length;
            start = end + 1;
        }
        return bytes.Length;
    }
}
