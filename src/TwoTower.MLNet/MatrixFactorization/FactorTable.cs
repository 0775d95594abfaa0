namespace TwoTower.MLNet.MatrixFactorization;

/// <summary>Allocates a rows × width factor table, with a message when it cannot be one .NET array.</summary>
internal static class FactorTable
{
    /// <summary>A zeroed table of <paramref name="rows"/> × <paramref name="width"/> floats.</summary>
    /// <exception cref="InvalidOperationException">The table exceeds the largest .NET array (the product overflowed int before).</exception>
    public static float[] Allocate(int rows, int width, string rowName)
    {
        var length = (long)rows * width;
        if (length > Array.MaxLength)
            throw new InvalidOperationException(
                $"{rows:N0} {rowName} × {width} factor columns = {length:N0} values, more than one array holds ({Array.MaxLength:N0}): lower Factors or train on fewer {rowName}.");
        return new float[length];
    }
}
