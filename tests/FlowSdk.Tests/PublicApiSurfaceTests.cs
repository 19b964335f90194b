using System.ComponentModel;
using System.Reflection;

namespace FlowSdk.Tests;

/// <summary>
/// The rule of docs/architecture.md ("Public API"): the public types only generated code names live in
/// <c>FlowSdk.Internal</c> and are hidden from IntelliSense; every type hidden that way lives there.
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
            new HashSet<string>(StringComparer.Ordinal) { "Rule`2", "InputPort`1", "InputPort`2", "WireFormat", "ValueFormatters", "IMapFormatter", "ExecutionInfoFormatter", "RandomizedEqualityComparer`1", "DictionaryFormatter`3" },
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
}
