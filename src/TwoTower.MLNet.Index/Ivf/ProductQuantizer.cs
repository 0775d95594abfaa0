using System.Numerics.Tensors;
using TwoTower.MLNet.Index.Persistence;

namespace TwoTower.MLNet.Index.Ivf;

/// <summary>
/// Product quantisation (Jégou et al.): a vector is cut into M sub-vectors, each replaced by the index
/// (one byte) of its nearest of 256 k-means codewords. Distances to a query come from per-sub-space
/// lookup tables (asymmetric distance computation, ADC).
/// </summary>
internal sealed class ProductQuantizer
{
    /// <summary>Codewords per sub-quantizer (one byte per code).</summary>
    public const int Codewords = 256;

    /// <summary>Creates a quantizer from codebooks laid out [sub][codeword][SubDimension].</summary>
    public ProductQuantizer(int dimension, int subQuantizers, float[] codebooks)
    {
        Dimension = dimension;
        M = subQuantizers;
        SubDimension = dimension / subQuantizers;
        Codebooks = codebooks;
    }

    /// <summary>Vector dimension.</summary>
    public int Dimension { get; }

    /// <summary>Sub-quantizers = bytes per code.</summary>
    public int M { get; }

    /// <summary>Width of one sub-vector.</summary>
    public int SubDimension { get; }

    /// <summary>Codebooks, [sub][codeword][SubDimension].</summary>
    public float[] Codebooks { get; }

    /// <summary>Learns the codebooks by k-means in each sub-space.</summary>
    public static ProductQuantizer Train(float[] x, int dimension, int m, int seed, int threads, CancellationToken cancellationToken = default)
    {
        var n = x.Length / dimension;
        var ds = dimension / m;
        var codebooks = new float[m * Codewords * ds];
        for (var j = 0; j < m; j++)
        {
            var sub = Column(x, n, dimension, j * ds, ds);
            KMeans.Train(sub, ds, Codewords, iterations: 10, seed + j, threads, cancellationToken).CopyTo(codebooks, j * Codewords * ds);
        }
        return new ProductQuantizer(dimension, m, codebooks);
    }

    /// <summary>Codes (n × M bytes) of the rows of x.</summary>
    public byte[] Encode(float[] x, int threads, CancellationToken cancellationToken = default)
    {
        var n = x.Length / Dimension;
        var codes = new byte[(long)n * M];
        var assign = new int[n];
        for (var j = 0; j < M; j++)
        {
            var sub = Column(x, n, Dimension, j * SubDimension, SubDimension);
            KMeans.Assign(sub, SubDimension, Codebooks.AsSpan(j * Codewords * SubDimension, Codewords * SubDimension), Codewords, threads, assign, cancellationToken: cancellationToken);
            for (var i = 0; i < n; i++) codes[(long)i * M + j] = (byte)assign[i];
        }
        return codes;
    }

    /// <summary>Fills table[j·256 + t] with q_j · codeword_j,t (inner product) or −‖q_j − codeword_j,t‖² (L2), so larger is better in both.</summary>
    public void LookupTable(ReadOnlySpan<float> q, bool l2, Span<float> table)
    {
        for (var j = 0; j < M; j++)
        {
            var qj = q.Slice(j * SubDimension, SubDimension);
            for (var t = 0; t < Codewords; t++)
            {
                var c = Codebooks.AsSpan((j * Codewords + t) * SubDimension, SubDimension);
                if (l2)
                {
                    var dist = TensorPrimitives.Distance(qj, c);
                    table[j * Codewords + t] = -dist * dist;
                }
                else table[j * Codewords + t] = TensorPrimitives.Dot(qj, c);
            }
        }
    }

    private static float[] Column(float[] x, int n, int d, int offset, int width)
    {
        var sub = new float[(long)n * width];
        for (var i = 0; i < n; i++) x.AsSpan(i * d + offset, width).CopyTo(sub.AsSpan(i * width, width));
        return sub;
    }

    /// <summary>Writes M and the codebooks.</summary>
    public void Write(BinaryWriter w)
    {
        w.Write(M);
        BinaryIo.Write<float>(w, Codebooks);
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static ProductQuantizer Read(BinaryReader r, int dimension)
    {
        var m = r.ReadInt32();
        // A FormatException, which IndexFile reports as corrupt with this message and the path (an EndOfStreamException lost both).
        if (m < 1 || dimension % m != 0) throw new FormatException($"sub-quantizer count {m}, expected a divisor of the dimension {dimension}");
        var codebooks = BinaryIo.ReadFloats(r, (long)m * Codewords * (dimension / m));
        if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(codebooks)) throw new FormatException("a product-quantizer codeword is not finite"); // IndexFile reports it as corrupt, with the path
        return new ProductQuantizer(dimension, m, codebooks);
    }
}
