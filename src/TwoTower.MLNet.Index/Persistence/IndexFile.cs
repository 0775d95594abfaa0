using System.Security.Cryptography;
using System.Text;

namespace TwoTower.MLNet.Index.Persistence;

/// <summary>
/// The container every index type saves into. Layout (little-endian): magic "TTVX", uint32 format
/// version, length-prefixed UTF-8 kind, int32 metric, int32 dimension, the index's payload, then the
/// 32-byte SHA-256 of everything before it. Writes are atomic (temp file in the same folder, then rename).
/// Version 2 payloads store their large arrays as 64-byte-aligned sections (see <c>IndexSections</c>)
/// so they can be memory-mapped; version 1 files (unaligned) are still read, always fully. Version 3 adds one field to
/// IVF payloads, the coarse quantizer's cell rule (inner-product cells of the vectors' directions); version 1 and 2 IVF
/// files keep the rule they were built with (cells of the raw vectors), and the other payloads are unchanged.
/// On Linux a file can be replaced by a save while a mapped index reads it: the rename gives the path a
/// new file and the mapping keeps the old one.
/// </summary>
public static class IndexFile
{
    /// <summary>The format version this library writes and the newest it reads.</summary>
    public const int CurrentFormatVersion = 3;

    /// <summary>The first format version with aligned, mappable sections.</summary>
    public const int FirstMappableVersion = 2;

    private static ReadOnlySpan<byte> Magic => "TTVX"u8;
    private const int HashBytes = 32;

    /// <summary>
    /// Writes a header and the payload written by <paramref name="writePayload"/> to <paramref name="path"/> atomically,
    /// creating its folder when missing (as model files are saved).
    /// </summary>
    /// <exception cref="IOException"><paramref name="path"/> is a folder.</exception>
    public static void Save(string path, string kind, VectorMetric metric, int dimension, Action<BinaryWriter> writePayload) =>
        Save(path, kind, metric, dimension, writePayload, CancellationToken.None);

    /// <summary>
    /// <see cref="Save(string, string, VectorMetric, int, Action{BinaryWriter})"/> that <paramref name="cancellationToken"/> can stop.
    /// </summary>
    /// <exception cref="IOException"><paramref name="path"/> is a folder.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each MiB written and before the rename); the temporary file is deleted and a file already at <paramref name="path"/> is kept.</exception>
    public static void Save(string path, string kind, VectorMetric metric, int dimension, Action<BinaryWriter> writePayload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(writePayload);
        if (!Enum.IsDefined(metric)) throw new ArgumentOutOfRangeException(nameof(metric), metric, "Expected a defined VectorMetric.");
        if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Dimension must be positive.");
        var full = Path.GetFullPath(path);
        // Checked before the payload is written: the rename at the end would fail only after all of it, naming no cause.
        if (Directory.Exists(full)) throw new IOException($"Index path '{path}' is a folder: give a file name (e.g. {Path.Combine(path, "items.ttvx")}).");
        var folder = Path.GetDirectoryName(full)!;
        // A missing folder would fail on the temporary file, a name the caller never gave.
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using var hashing = new HashingStream(file, cancellationToken);
                using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(Magic);
                    writer.Write((uint)CurrentFormatVersion);
                    writer.Write(kind);
                    writer.Write((int)metric);
                    writer.Write(dimension);
                    writePayload(writer);
                }
                file.Write(hashing.Hash.GetHashAndReset());
                file.Flush(flushToDisk: true);
            }
            // The last moment a cancel can leave the previous file in place.
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temp, full, overwrite: true);
            // The rename is on disk only once the folder is: a caller may act on the saved file (delete the one it replaces).
            DirectorySync.Flush(folder);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Validates magic, version and checksum of <paramref name="path"/>, then reads its payload with <paramref name="readPayload"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not an index file, is newer than this library, or is corrupt or truncated.</exception>
    public static T Load<T>(string path, Func<IndexFileHeader, BinaryReader, T> readPayload)
    {
        ArgumentNullException.ThrowIfNull(readPayload);
        return Load(path, IndexLoadOptions.Default, p => readPayload(p.Header, p.Reader));
    }

    /// <summary>Validates the header (and the checksum when asked), maps the file when asked and its version allows, then reads the payload.</summary>
    internal static T Load<T>(string path, IndexLoadOptions options, Func<IndexPayloadReader, T> readPayload)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(readPayload);
        using var file = OpenRead(path, 1 << 16);
        using var reader = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
        Span<byte> magic = stackalloc byte[4];
        if (file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4 || !magic.SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not a TwoTower index file (expected magic \"TTVX\").");
        if (file.Length < 8) throw Corrupt(path, "truncated header");
        var version = reader.ReadUInt32();
        if (version > CurrentFormatVersion)
            throw new InvalidDataException($"'{path}': format version {version} is newer than this library reads ({CurrentFormatVersion}).");
        if (version == 0) throw Corrupt(path, "format version 0");
        if (file.Length < 8 + HashBytes) throw Corrupt(path, "too short to hold a checksum");
        if (options.VerifyChecksum) VerifyChecksum(file, path);
        file.Position = 8;
        var payloadEnd = file.Length - HashBytes;
        MappedFile? mapping = null;
        IndexPayloadReader? payload = null;
        T? result = default;
        var ok = false;
        try
        {
            var kind = reader.ReadString();
            var metric = (VectorMetric)reader.ReadInt32();
            var dimension = reader.ReadInt32();
            if (!Enum.IsDefined(metric)) throw Corrupt(path, $"unknown metric {(int)metric}");
            if (dimension <= 0) throw Corrupt(path, $"dimension {dimension}");
            if (file.Position > payloadEnd) throw Corrupt(path, "header runs into the checksum");
            if (options.MemoryMap && version >= FirstMappableVersion) mapping = MappedFile.Open(file);
            payload = new IndexPayloadReader(path, new IndexFileHeader(kind, (int)version, metric, dimension), reader, payloadEnd, mapping);
            result = readPayload(payload);
            if (file.Position != payloadEnd) throw Corrupt(path, $"payload ends at byte {file.Position}, expected {payloadEnd}");
            ok = true;
            return result;
        }
        catch (EndOfStreamException)
        {
            throw Corrupt(path, "payload shorter than its header says");
        }
        catch (OverflowException)
        {
            throw Corrupt(path, "a count or size overflows");
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            // A value the index's own checks refuse (e.g. nProbe 0, a list number past the lists), or a malformed
            // string length: only a corrupt file (or one not verified by its checksum) gets here.
            throw Corrupt(path, ex is ArgumentException a ? a.MessageWithoutParameterName() : ex.Message);
        }
        finally
        {
            if (!ok) (result as IDisposable)?.Dispose();
            if (mapping is not null && (!ok || payload?.MappingClaimed != true)) mapping.Dispose();
        }
    }

    /// <summary>Reads and validates only magic, version and header fields (no checksum pass); used to dispatch on the kind.</summary>
    internal static IndexFileHeader ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = OpenRead(path, 4096);
        using var reader = new BinaryReader(file, Encoding.UTF8);
        try
        {
            if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic)) throw new InvalidDataException($"'{path}' is not a TwoTower index file (expected magic \"TTVX\").");
            var version = reader.ReadUInt32();
            if (version > CurrentFormatVersion)
                throw new InvalidDataException($"'{path}': format version {version} is newer than this library reads ({CurrentFormatVersion}).");
            return new IndexFileHeader(reader.ReadString(), (int)version, (VectorMetric)reader.ReadInt32(), reader.ReadInt32());
        }
        catch (FormatException)
        {
            throw Corrupt(path, "malformed header (the kind's length is not a valid encoding)");
        }
        catch (EndOfStreamException)
        {
            throw Corrupt(path, "truncated header");
        }
    }

    // A folder would fail as "access denied" and a missing file as "could not find file": say which it is.
    private static FileStream OpenRead(string path, int bufferSize)
    {
        if (Directory.Exists(path)) throw new FileNotFoundException($"Index path '{path}' is a folder: give the index file.", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Index file '{path}' does not exist.", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
    }

    /// <summary>Throws when a loaded header is of another index kind than the loader reads.</summary>
    internal static void ExpectKind(string path, IndexFileHeader header, string kind)
    {
        if (header.Kind != kind) throw new InvalidDataException($"'{path}' holds a {header.Kind} index, not {kind}; load it with VectorIndex.Load.");
    }

    private static void VerifyChecksum(FileStream file, string path)
    {
        var payloadEnd = file.Length - HashBytes;
        file.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        for (long left = payloadEnd; left > 0;)
        {
            var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read <= 0) throw Corrupt(path, "unexpected end of file");
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        Span<byte> stored = stackalloc byte[HashBytes];
        file.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored)) throw Corrupt(path, "checksum mismatch");
    }

    /// <summary>The error for a corrupt or truncated file, naming the file and the problem.</summary>
    internal static InvalidDataException Corrupt(string path, string why) =>
        new($"'{path}' is corrupt or truncated ({why}).");

    // Forwards writes to the file while hashing them, so the payload is written once; checks the token before each MiB.
    private sealed class HashingStream(Stream inner, CancellationToken cancellationToken) : Stream
    {
        // A section of a large index is one write of gigabytes: written in pieces, a cancel stops it within milliseconds.
        private const int CheckEvery = 1 << 20;

        public IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        // Bytes written so far: sections align their data to file offsets.
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        private long _written;
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                var piece = buffer[..Math.Min(buffer.Length, CheckEvery)];
                Hash.AppendData(piece);
                inner.Write(piece);
                _written += piece.Length;
                buffer = buffer[piece.Length..];
            }
            while (!buffer.IsEmpty);
        }
        protected override void Dispose(bool disposing) { if (disposing) Hash.Dispose(); base.Dispose(disposing); }
    }

    // The index library does not reference the main one, whose ArgumentErrors does the same for CLI messages.
    private static string MessageWithoutParameterName(this ArgumentException error) =>
        error.ParamName is { } p ? error.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal).ReplaceLineEndings(" ") : error.Message;
}
