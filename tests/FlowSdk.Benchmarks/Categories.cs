namespace FlowSdk.Benchmarks;

/// <summary>Benchmark categories: each is one comparison with its own baseline.</summary>
public static class Categories
{
    /// <summary>Dispatch with 10 message types.</summary>
    public const string Dispatch10 = "Dispatch10";

    /// <summary>Dispatch with 500 message types.</summary>
    public const string Dispatch500 = "Dispatch500";

    /// <summary>One rule firing.</summary>
    public const string Firing = "Firing";

    /// <summary>Serialize a message.</summary>
    public const string Serialize = "Serialize";

    /// <summary>Serialize and read back a message.</summary>
    public const string RoundTrip = "RoundTrip";

    /// <summary>The generator, cold and cached.</summary>
    public const string Generator = "Generator";
}
