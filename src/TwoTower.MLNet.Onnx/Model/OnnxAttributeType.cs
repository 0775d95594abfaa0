namespace TwoTower.MLNet.Onnx.Model;

/// <summary>AttributeProto.AttributeType values (onnx.proto numbering).</summary>
internal enum OnnxAttributeType
{
    /// <summary>Single float (field f).</summary>
    Float = 1,

    /// <summary>Single int64 (field i).</summary>
    Int = 2,

    /// <summary>UTF-8 bytes (field s).</summary>
    String = 3,

    /// <summary>Tensor (field t).</summary>
    Tensor = 4,

    /// <summary>List of int64 (field ints).</summary>
    Ints = 7,

    /// <summary>List of UTF-8 strings (field strings).</summary>
    Strings = 8,
}
