using System.Diagnostics;
using System.Runtime.CompilerServices;
using FlowSdk.Benchmarks.Serialization;
using MessagePack;
using MessagePack.Resolvers;

namespace FlowSdk.Benchmarks;

/// <summary>
/// First-call cost: the time of the first serialize and read-back of <see cref="SerializerBenchmarks.Sample"/>
/// in a fresh process (JIT, type loading, and for MessagePack's dynamic resolver the Reflection.Emit of
/// its formatter). The parent starts this program once per sample with <c>--first-call NAME</c> and takes
/// the median. Each serializer's path sits in its own method so that only its assemblies load.
/// </summary>
internal static class FirstCall
{
    public static readonly string[] Serializers = ["flowsdk", "msgpack", "stj"];

    /// <summary>In the child: measures one first call and prints the microseconds.</summary>
    public static int RunChild(string serializer)
    {
        var watch = Stopwatch.StartNew();
        var lines = serializer switch
        {
            "flowsdk" => FlowSdk(),
            "msgpack" => MessagePackDynamic(),
            "stj" => SystemTextJson(),
            _ => throw new ArgumentException($"Unknown serializer '{serializer}': flowsdk, msgpack or stj.", nameof(serializer)),
        };
        watch.Stop();
        if (lines != 3)
        {
            throw new InvalidOperationException("The round trip lost data.");
        }

        Console.WriteLine(watch.Elapsed.TotalMicroseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>In the parent: runs <paramref name="samples"/> fresh processes per serializer; medians in microseconds.</summary>
    public static Dictionary<string, double> Measure(int samples)
    {
        var medians = new Dictionary<string, double>();
        foreach (var serializer in Serializers)
        {
            var times = new List<double>();
            for (var i = 0; i < samples; i++)
            {
                var start = Program.Again("--first-call", serializer);
                start.RedirectStandardOutput = true;
                using var process = Process.Start(start)!;
                var output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"The first-call run of {serializer} failed ({process.ExitCode}).");
                }

                times.Add(double.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture));
            }

            times.Sort();
            medians[serializer] = times[times.Count / 2];
            Console.WriteLine($"First call, {serializer}: median {medians[serializer]:F0} us of [{string.Join(", ", times.Select(t => t.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}]");
        }

        return medians;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FlowSdk()
    {
        var bytes = FlowSerializer.Serialize(OrderPlacedFormatter.Instance, Sample());
        return FlowSerializer.Deserialize(OrderPlacedFormatter.Instance, bytes).Lines.Count;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int MessagePackDynamic()
    {
        var options = MessagePackSerializerOptions.Standard.WithResolver(ContractlessStandardResolver.Instance).WithSecurity(MessagePackSecurity.UntrustedData);
        var bytes = MessagePackSerializer.Serialize(Sample(), options);
        return MessagePackSerializer.Deserialize<OrderPlaced>(bytes, options).Lines.Count;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int SystemTextJson()
    {
        var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Sample(), BenchJsonContext.Default.OrderPlaced);
        return System.Text.Json.JsonSerializer.Deserialize(bytes, BenchJsonContext.Default.OrderPlaced)!.Lines.Count;
    }

    // A static class of its own, so the child process does not run SerializerBenchmarks' initializer.
    private static OrderPlaced Sample() => SampleOrder.Create();
}
