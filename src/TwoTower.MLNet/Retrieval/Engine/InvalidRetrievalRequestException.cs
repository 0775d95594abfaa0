namespace TwoTower.MLNet.Retrieval.Engine;

/// <summary>
/// A value of a request that the engine refuses: an unknown genre or history item, a filter that cannot hold, a new item's
/// vector of the wrong length or size, more genres than a catalogue holds. The message names the value and what is expected;
/// the HTTP service answers 400 with it. It is an <see cref="ArgumentException"/>, so callers that catch those keep working;
/// any other <see cref="ArgumentException"/> from the engine is a fault of the engine or of what it was built with, not of the request.
/// </summary>
public sealed class InvalidRetrievalRequestException : ArgumentException
{
    /// <summary>Creates the exception with a default message.</summary>
    public InvalidRetrievalRequestException()
    {
    }

    /// <summary>Creates the exception with the message that says what was wrong with the request.</summary>
    public InvalidRetrievalRequestException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public InvalidRetrievalRequestException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message and the name of the parameter that held the refused value.</summary>
    public InvalidRetrievalRequestException(string message, string? paramName) : base(message, paramName)
    {
    }

    /// <summary>Creates the exception with a message, the parameter that held the refused value, and the error that caused it.</summary>
    public InvalidRetrievalRequestException(string message, string? paramName, Exception innerException) : base(message, paramName, innerException)
    {
    }
}
