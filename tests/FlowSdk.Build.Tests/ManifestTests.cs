using System.Globalization;
using System.Reflection.Metadata;
using System.Text.Json;
using FlowSdk.Build.Tests.Infrastructure;

namespace FlowSdk.Build.Tests;

/// <summary>The generator's flow manifest, read from assemblies compiled in memory the way the task reads them: without loading them.</summary>
public sealed class ManifestTests
{
    [Fact]
    public void The_manifest_describes_the_flow_its_rules_and_ports_with_source_locations()
    {
        var manifest = InMemoryAssembly.Compile("Checkout", "src/Checkout.cs", Flows.Checkout).Manifest();

        Assert.Equal("Checkout", manifest.Assembly);
        var flow = Assert.Single(manifest.Flows);
        Assert.Equal("checkout", flow.Id);
        Assert.Equal("Shop.Checkout.Checkout", flow.State);
        Assert.Equal(new SourcePosition("src/Checkout.cs", Flows.LineOf(Flows.Checkout, "public partial class Checkout"), "public partial class ".Length + 1), flow.Location);
        Assert.Equal("Open", flow.InitialPhase);
        Assert.Equal([new PhaseEntry("Open", true, false), new PhaseEntry("Placed", false, true)], flow.Phases);
        Assert.Equal("00:05:00", flow.Timeout);
        Assert.Equal(2, flow.MaxIterations);
        Assert.Equal(new Dictionary<string, string> { ["completed"] = "checkout.done" }, flow.Lifecycle);

        var rule = Assert.Single(flow.Rules);
        Assert.Equal(("Place", "Shop.Checkout.CheckoutRules", "MessageAndState", "Open", "Placed"), (rule.Name, rule.Class, rule.Trigger, rule.From, rule.To));
        Assert.Equal(("orders.submitted", "Shop.Checkout.OrderSubmitted"), (rule.InputSubject, rule.InputMessage));
        Assert.Equal(("orders.placed", "Shop.Checkout.OrderPlaced"), (rule.OutputSubject, rule.OutputMessage));
        Assert.Equal(["the order has a total"], rule.Conditions);
        var ruleLine = Flows.LineOf(Flows.Checkout, "public static OrderPlaced Place(");
        Assert.Equal(new SourcePosition("src/Checkout.cs", ruleLine, Flows.ColumnOf(Flows.Checkout, "Place(")), rule.Location);

        Assert.Collection(
            flow.Ports,
            input =>
            {
                Assert.True(input.IsInput);
                Assert.Equal(("orders.submitted", "Shop.Checkout.OrderSubmitted", true), (input.Schema.Subject, input.Schema.Message, input.Schema.External));
                Assert.Equal(["OrderId:string", "Total:decimal"], input.Schema.Members);
                Assert.Equal(Flows.LineOf(Flows.Checkout, "record OrderSubmitted"), input.Schema.Location.Line);
            },
            output =>
            {
                Assert.False(output.IsInput);
                Assert.Equal(("orders.placed", "Shop.Checkout.OrderPlaced", false), (output.Schema.Subject, output.Schema.Message, output.Schema.External));
                Assert.Matches("^[0-9a-f]{16}$", output.Schema.Fingerprint);
                Assert.Equal(new SourcePosition("src/Checkout.cs", Flows.LineOf(Flows.Checkout, "record OrderPlaced"), Flows.ColumnOf(Flows.Checkout, "OrderPlaced(")), output.Schema.Location);
            });

        Assert.Equal(["Shop.Checkout.OrderPlaced", "Shop.Checkout.OrderSubmitted"], manifest.Messages.Select(m => m.Message));
    }

    [Fact]
    public void The_manifest_is_an_assembly_metadata_attribute()
    {
        var compiled = InMemoryAssembly.Compile("Checkout", "Checkout.cs", Flows.Checkout);
        using var pe = new System.Reflection.PortableExecutable.PEReader(new MemoryStream(compiled.Image));
        var metadata = pe.GetMetadataReader();

        var values = metadata.GetAssemblyDefinition().GetCustomAttributes()
            .Select(h => metadata.GetCustomAttribute(h))
            .Select(a => a.DecodeValue(new StringOnlyProvider()))
            .Where(v => v.FixedArguments.Length == 2)
            .Select(v => ((string?)v.FixedArguments[0].Value, (string?)v.FixedArguments[1].Value))
            .ToList();

        var (_, json) = Assert.Single(values, v => v.Item1 == "FlowSdk.Manifest");
        using var document = JsonDocument.Parse(json!);
        Assert.Equal(1, document.RootElement.GetProperty("manifestVersion").GetInt32());
    }

    [Fact]
    public void A_message_schema_fingerprint_depends_on_member_names_and_types_only()
    {
        static string Fingerprint(string declaration)
        {
            var source = "using FlowSdk;\nnamespace " + "N" + Guid.NewGuid().ToString("N") + ";\n" + declaration;
            return Assert.Single(InMemoryAssembly.Compile("Contracts", "Contracts.cs", source).Manifest().Messages).Fingerprint;
        }

        var original = Fingerprint("[Message(\"s\")] public sealed record M([property: CorrelationKey] string Id, decimal Total, string? Note);");

        // Another namespace, another member order, a class instead of a record, no nullable annotation: the same bytes travel.
        Assert.Equal(original, Fingerprint("[Message(\"s\")] public sealed record M(decimal Total, [property: CorrelationKey] string Id, string? Note);"));
        Assert.Equal(original, Fingerprint("[Message(\"s\")] public sealed class M { [CorrelationKey] public string Id { get; set; } = \"\"; public decimal Total { get; set; } \n#nullable disable\n public string Note { get; set; }\n#nullable restore\n }"));

        // Another type, another name, a nullable value type, one member more: another schema.
        Assert.NotEqual(original, Fingerprint("[Message(\"s\")] public sealed record M([property: CorrelationKey] string Id, double Total, string? Note);"));
        Assert.NotEqual(original, Fingerprint("[Message(\"s\")] public sealed record M([property: CorrelationKey] string Id, decimal Amount, string? Note);"));
        Assert.NotEqual(original, Fingerprint("[Message(\"s\")] public sealed record M([property: CorrelationKey] string Id, decimal? Total, string? Note);"));
        Assert.NotEqual(original, Fingerprint("[Message(\"s\")] public sealed record M([property: CorrelationKey] string Id, decimal Total, string? Note, int Lines);"));
    }

    [Fact]
    public void An_assembly_of_messages_only_carries_them_with_their_external_flag()
    {
        var manifest = InMemoryAssembly.Compile("Contracts", "Contracts.cs", Flows.Contracts).Manifest();

        Assert.Empty(manifest.Flows);
        Assert.Equal(
            [("Shop.Contracts.InvoiceIssued", "invoices.issued", false), ("Shop.Contracts.InvoicePaid", "invoices.paid", true)],
            manifest.Messages.Select(m => (m.Message, m.Subject, m.External)));
    }

    [Fact]
    public void An_assembly_without_flows_or_messages_carries_no_manifest()
    {
        var compiled = InMemoryAssembly.Compile("Plain", "Plain.cs", "namespace Plain; public static class Math { public static int Add(int a, int b) => a + b; }");

        Assert.Null(compiled.ManifestJson());
    }

    [Theory]
    [InlineData("false")]
    [InlineData("False")]
    [InlineData(" false ")]
    public void FlowSdk_EmitManifest_false_turns_the_manifest_off(string value)
    {
        var off = InMemoryAssembly.Compile("Checkout", [("Checkout.cs", Flows.Checkout)], buildProperties: new Dictionary<string, string> { ["FlowSdk_EmitManifest"] = value });
        var on = InMemoryAssembly.Compile("Checkout", [("Checkout.cs", Flows.Checkout)], buildProperties: new Dictionary<string, string> { ["FlowSdk_EmitManifest"] = "true" });

        Assert.Null(off.ManifestJson());
        Assert.NotNull(on.ManifestJson());
    }

    [Fact]
    public void The_manifest_is_deterministic_and_culture_invariant()
    {
        var culture = CultureInfo.CurrentCulture;
        string first, second;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("tr-TR");
            first = InMemoryAssembly.Compile("Checkout", "Checkout.cs", Flows.Checkout).ManifestJson()!;
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("ar-SA");
            second = InMemoryAssembly.Compile("Checkout", "Checkout.cs", Flows.Checkout).ManifestJson()!;
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        Assert.Equal(first, second);
        Assert.Contains("\"timeout\":\"00:05:00\"", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_would_break_the_attribute_or_the_JSON_is_escaped()
    {
        // Quotes and backslashes in a description; in a path also a character C# reads as a line break.
        var source = Flows.Checkout.Replace("the order has a total", "a \\\"quoted\\\" \\\\ total", StringComparison.Ordinal);
        const string path = "src/we\"ird\\ \u2028dir/Checkout.cs";

        var flow = Assert.Single(InMemoryAssembly.Compile("Checkout", path, source).Manifest().Flows);

        Assert.Equal(["a \"quoted\" \\ total"], Assert.Single(flow.Rules).Conditions);
        Assert.Equal(path, flow.Location.File);
    }

    [Fact]
    public void The_reader_finds_no_manifest_in_a_file_that_is_not_an_assembly()
    {
        using var temp = new TempDirectory();
        var file = temp.Combine("notes.dll");
        File.WriteAllText(file, "not a PE file");

        Assert.Null(ManifestReader.ReadJson(file));
    }

    [Fact]
    public void Schedules_are_carried_and_a_manifest_written_before_them_still_reads()
    {
        var contracts = InMemoryAssembly.Compile("Contracts", "Contracts.cs", Flows.TickContract);
        var reports = InMemoryAssembly.Compile("Reports", "Reports.cs", Flows.Reports(schedule: true), contracts);

        var flow = Assert.Single(reports.Manifest().Flows);
        Assert.Equal(
            [("hourly", "reports.tick", "Reports.Contracts.ReportTick", "every 01:00:00", "Skip"), ("nightly", "reports.tick", "Reports.Contracts.ReportTick", "cron 0 2 * * * (Europe/Paris)", "CatchUpOnce")],
            flow.Schedules.Select(s => (s.Name, s.Subject, s.Message, s.When, s.MissedTicks)));

        var older = reports.ManifestJson()!;
        var start = older.IndexOf(",\"schedules\":[", StringComparison.Ordinal);
        var end = older.IndexOf("],\"rules\":", start, StringComparison.Ordinal);
        Assert.True(start > 0 && end > start, "the manifest has no schedules array before its rules");
        Assert.Empty(Assert.Single(FlowManifest.Parse(older[..start] + older[(end + 1)..], "Reports.dll").Flows).Schedules);
    }

    [Fact]
    public void A_newer_manifest_version_is_refused_with_a_reason()
    {
        var json = InMemoryAssembly.Compile("Checkout", "Checkout.cs", Flows.Checkout).ManifestJson()!.Replace("\"manifestVersion\":1", "\"manifestVersion\":2", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => FlowManifest.Parse(json, "Checkout.dll"));
        Assert.Contains("manifest version 2", error.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => FlowManifest.Parse("{\"flows\":[]}", "Checkout.dll"));
    }

    /// <summary>Decodes the string arguments of assembly attributes.</summary>
    private sealed class StringOnlyProvider : ICustomAttributeTypeProvider<object?>
    {
        public object? GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode;

        public object? GetSystemType() => null;

        public object? GetSZArrayType(object? elementType) => null;

        public object? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => null;

        public object? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => null;

        public object? GetTypeFromSerializedName(string name) => null;

        public PrimitiveTypeCode GetUnderlyingEnumType(object? type) => PrimitiveTypeCode.Int32;

        public bool IsSystemType(object? type) => false;
    }
}
