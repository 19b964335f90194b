using Microsoft.CodeAnalysis;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>
/// A rule's <c>[RequiresApproval(Policy = ..., Expires = "...")]</c>, with the flow's defaults
/// (<c>ApprovalPolicy</c>, <c>ApprovalExpires</c> on <c>[Flow]</c>) for what the rule leaves unset.
/// </summary>
internal sealed class ApprovalDeclaration
{
    /// <summary>The <c>ApprovalPolicy.Approve</c> value: approve without asking.</summary>
    public const int ApprovePolicy = 2;

    /// <summary>The <c>ApprovalPolicy.Deny</c> value: deny without asking.</summary>
    public const int DenyPolicy = 3;

    private ApprovalDeclaration(AttributeData attribute, int policy, string? expires)
    {
        Attribute = attribute;
        Policy = policy;
        Expires = expires;
    }

    /// <summary>The <c>[RequiresApproval]</c> attribute.</summary>
    public AttributeData Attribute { get; }

    /// <summary>The policy in effect: the rule's own, else the flow's; 0 when neither sets one (ask).</summary>
    public int Policy { get; }

    /// <summary>How long a request waits, as written: the rule's own, else the flow's; <see langword="null"/> when neither sets one.</summary>
    public string? Expires { get; }

    /// <summary>The policy's name in the manifest and generated code: <c>Ask</c>, <c>Approve</c> or <c>Deny</c>.</summary>
    public string PolicyName => Policy switch
    {
        ApprovePolicy => "Approve",
        DenyPolicy => "Deny",
        _ => "Ask",
    };

    /// <summary>
    /// The approval <paramref name="method"/> requires, or <see langword="null"/> when it is not marked
    /// <c>[RequiresApproval]</c>; <paramref name="flow"/> gives the defaults.
    /// </summary>
    public static ApprovalDeclaration? Read(IMethodSymbol method, FlowDeclaration? flow, FlowSymbols symbols)
    {
        if (FlowSymbols.Find(method, symbols.RequiresApprovalAttribute) is not { } attribute)
        {
            return null;
        }

        var policy = AttributeArguments.Int32(attribute, "Policy");
        var expires = AttributeArguments.String(attribute, "Expires");
        if (flow is not null)
        {
            if (policy == 0)
            {
                policy = AttributeArguments.Int32(flow.Attribute, "ApprovalPolicy");
            }

            expires ??= AttributeArguments.String(flow.Attribute, "ApprovalExpires");
        }

        return new ApprovalDeclaration(attribute, policy, expires);
    }
}
