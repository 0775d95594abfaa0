namespace TwoTower.MLNet.Retrieval.Engine;

/// <summary>
/// The item a request names is not a live item of the catalogue (never added, or removed). The HTTP service answers 404 with
/// the message. It is a <see cref="KeyNotFoundException"/>, so callers that catch those keep working; any other
/// <see cref="KeyNotFoundException"/> from the engine (a lookup of its own, an index that lost a vector) is a fault of the service.
/// </summary>
public sealed class UnknownItemException : KeyNotFoundException
{
    /// <summary>Creates the exception with a default message.</summary>
    public UnknownItemException()
    {
    }

    /// <summary>Creates the exception with the message that names the unknown item.</summary>
    public UnknownItemException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public UnknownItemException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
