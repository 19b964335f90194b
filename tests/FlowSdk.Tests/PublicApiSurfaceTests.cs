using System.ComponentModel;
using System.Reflection;
using System.Xml.Linq;

namespace FlowSdk.Tests;

/// <summary>
/// The rule of docs/architecture.md ("Public API"): the public types only generated code names live in
/// <c>FlowSdk.Internal</c> and are hidden from IntelliSense; every type hidden that way lives there; the
/// members of other types that only generated code calls (documented "Called by generated code") are hidden too.
/// </summary>
public sealed class PublicApiSurfaceTests
{
    private const string GeneratedOnlyNamespace = "FlowSdk.Internal";

    private static readonly Type[] Exported = typeof(FlowDefinition).Assembly.GetExportedTypes();

    private static bool Hidden(MemberInfo member) =>
        member.GetCustomAttribute<EditorBrowsableAttribute>() is { State: EditorBrowsableState.Never };

    [Fact]
    public void Every_exported_type_of_the_generated_only_namespace_is_hidden()
    {
        var inNamespace = Exported.Where(t => t.Namespace == GeneratedOnlyNamespace).ToList();

        // What the generator's emitter names: rules, input ports, the wire format and the formatters.
        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal) { "Rule`2", "PortDispatcher`2", "InputPort`1", "InputPort`2", "WireFormat", "ValueFormatters", "IMapFormatter", "ExecutionInfoFormatter", "RandomizedEqualityComparer`1", "DictionaryFormatter`3" },
            inNamespace.Select(t => t.Name).ToHashSet(StringComparer.Ordinal));
        Assert.Empty(inNamespace.Where(t => !Hidden(t)).Select(t => t.FullName));
    }

    [Fact]
    public void Every_hidden_exported_type_is_in_the_generated_only_namespace()
    {
        var hiddenElsewhere = Exported.Where(t => Hidden(t) && t.Namespace != GeneratedOnlyNamespace).Select(t => t.FullName);

        Assert.Empty(hiddenElsewhere);
    }

    [Fact]
    public void User_facing_types_keep_their_namespace()
    {
        // The types user code names stay where they were: what a rule, a test or a host writes.
        Assert.All(
            new[] { typeof(FlowDefinition), typeof(FlowDefinition<>), typeof(RuleInfo), typeof(RuleContext), typeof(MessagePort<>), typeof(IInputPort), typeof(IFlowState), typeof(StateChange) },
            t => Assert.Equal("FlowSdk", t.Namespace));
        Assert.Equal("FlowSdk.Serialization", typeof(FlowSdk.Serialization.RequiredMemberMissingException).Namespace);
    }

    [Fact]
    public void Every_member_documented_as_called_by_generated_code_is_hidden()
    {
        // The XML documentation the build writes beside FlowSdk.dll: its summaries say which members generated code calls.
        var assembly = typeof(FlowDefinition).Assembly;
        var docs = XDocument.Load(Path.ChangeExtension(assembly.Location, ".xml"));
        var documented = docs.Descendants("member")
            .Where(m => m.Element("summary")?.Value.Contains("Called by generated code", StringComparison.Ordinal) == true)
            .Select(m => m.Attribute("name")!.Value)
            .ToList();

        var members = documented.SelectMany(id => Members(assembly, id)).ToList();

        Assert.True(members.Count >= 7, $"Only {members.Count} member(s) documented as called by generated code were found: {string.Join(", ", documented)}");
        Assert.Contains(members, m => m is ConstructorInfo && m.DeclaringType == typeof(RuleInfo));
        Assert.Empty(members.Where(m => !Hidden(m) && !Hidden(m.DeclaringType!)).Select(m => $"{m.DeclaringType}.{m.Name}"));
    }

    /// <summary>The public members a documentation id (<c>M:FlowSdk.RuleInfo.#ctor(...)</c>, <c>M:FlowSdk.RuleContext.Request``1(...)</c>) names, every overload of its name.</summary>
    private static IEnumerable<MemberInfo> Members(Assembly assembly, string id)
    {
        var name = id[2..];
        var parameters = name.IndexOf('(', StringComparison.Ordinal);
        if (parameters >= 0)
        {
            name = name[..parameters];
        }

        var dot = name.LastIndexOf('.');
        var type = assembly.GetType(name[..dot], throwOnError: true)!;
        var member = name[(dot + 1)..];
        var generic = member.IndexOf("``", StringComparison.Ordinal);
        if (generic >= 0)
        {
            member = member[..generic];
        }

        return member == "#ctor"
            ? type.GetConstructors()
            : type.GetMember(member, BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static);
    }
}
