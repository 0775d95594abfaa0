namespace TwoTower.MLNet.Onnx.Model;

/// <summary>TensorProto.DataType values used by the graphs we emit (onnx.proto numbering).</summary>
internal enum OnnxDataType
{
    /// <summary>32-bit IEEE float.</summary>
    Float = 1,

    /// <summary>32-bit signed integer.</summary>
    Int32 = 6,

    /// <summary>64-bit signed integer.</summary>
    Int64 = 7,

    /// <summary>UTF-8 string (stored in string_data, not raw_data).</summary>
    String = 8,

    /// <summary>Boolean.</summary>
    Bool = 9,
}
