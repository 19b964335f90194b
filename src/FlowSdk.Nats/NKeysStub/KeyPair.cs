namespace NATS.NKeys;

/// <summary>
/// Stand-in for NATS.NKeys' key pair. NKey and JWT authentication need the real NATS.NKeys package;
/// every member that would sign throws <see cref="NotSupportedException"/>.
/// </summary>
public sealed class KeyPair : IDisposable
{
    private const string Unavailable =
        "NKey and JWT authentication need the NATS.NKeys package, which this build of FlowSdk.Nats does not carry " +
        "(the package mirror does not serve it). Use user/password or token authentication; see docs/nats.md.";

    private KeyPair()
    {
    }

    /// <summary>Would create a key pair from an NKey seed; always throws.</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    public static KeyPair FromSeed(ReadOnlySpan<char> seed) => throw new NotSupportedException(Unavailable);

    /// <summary>Would sign <paramref name="input"/>; always throws.</summary>
    /// <param name="input">The bytes to sign.</param>
    /// <param name="signature">Where the signature would go.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    public void Sign(ReadOnlyMemory<byte> input, Memory<byte> signature) => throw new NotSupportedException(Unavailable);

    /// <summary>Would return the public key; always throws.</summary>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    public string GetPublicKey() => throw new NotSupportedException(Unavailable);

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
