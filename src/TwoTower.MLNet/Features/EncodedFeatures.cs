namespace TwoTower.MLNet.Features;

/// <summary>One entity's features as a tower reads them: categorical codes, bag token ids and standardised numerics, in the schema's order.</summary>
/// <param name="Categorical">Code of each categorical feature (0 = missing or unknown).</param>
/// <param name="Bags">Token ids of each bag feature (unknown tokens dropped).</param>
/// <param name="Numeric">Standardised value of each numeric column (0 = missing).</param>
public sealed record EncodedFeatures(int[] Categorical, int[][] Bags, float[] Numeric);
