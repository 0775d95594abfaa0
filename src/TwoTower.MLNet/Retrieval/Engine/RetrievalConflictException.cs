namespace TwoTower.MLNet.Retrieval.Engine;

/// <summary>
/// A request that the engine cannot serve as it is set up: similar items of a model without item vectors, a new item
/// without a vector where the engine cannot embed one from its content, or a minInteractions filter on an engine whose
/// model file kept no training history. The message says why; the HTTP service answers 409
/// with it. Any other <see cref="InvalidOperationException"/> from the engine is a fault of the service, not of the request.
/// </summary>
public sealed class RetrievalConflictException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public RetrievalConflictException()
    {
    }

    /// <summary>Creates the exception with the message that says why the request cannot be served.</summary>
    public RetrievalConflictException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public RetrievalConflictException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
