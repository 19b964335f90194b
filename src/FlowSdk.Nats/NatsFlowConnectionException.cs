namespace FlowSdk.Nats;

/// <summary>FlowSdk could not connect to NATS. The message names the server without credentials.</summary>
public sealed class NatsFlowConnectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NatsFlowConnectionException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong, without credentials.</param>
    public NatsFlowConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong, without credentials.</param>
    /// <param name="innerException">The cause, when its text carries no credentials.</param>
    public NatsFlowConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
