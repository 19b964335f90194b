using FlowSdk;
using MessagePack;

// Two versions of the same types. Type names are not on the wire (a map keyed by member name is), so
// data written by one version reads as the other, which is what a deployment with old and new services
// (or old stored state and new code) does.

namespace FlowSdk.Serialization.Tests.V1
{
    /// <summary>Version 1 of a customer.</summary>
    [Message("tests.evolution.customer.v1", External = true)]
    public sealed record Customer(string Name, int Age);

    /// <summary>Version 1 of a tier.</summary>
    public enum Tier
    {
        /// <summary>Basic.</summary>
        Basic,

        /// <summary>Silver.</summary>
        Silver,
    }

    /// <summary>Version 1 of an account.</summary>
    [Message("tests.evolution.account.v1", External = true)]
    public sealed class Account
    {
        /// <summary>The id.</summary>
        public string Id { get; set; } = "";

        /// <summary>The tier.</summary>
        public Tier Tier { get; set; }

        /// <summary>What the customer is called.</summary>
        public string Nickname { get; set; } = "";

        /// <summary>A member version 2 removed.</summary>
        public int Legacy { get; set; }
    }

    /// <summary>Version 1 of a contract: no owner yet.</summary>
    [Message("tests.evolution.contract.v1", External = true)]
    public sealed record Contract(string Id);
}

namespace FlowSdk.Serialization.Tests.V2
{
    /// <summary>Version 2 of a customer: new constructor members (with and without defaults), init and set members.</summary>
    [Message("tests.evolution.customer.v2", External = true)]
    public sealed record Customer(string Name, int Age, string Region, List<string> Tags, int? Score, Item? Home, string Email = "unknown@example.com", Color Favorite = Color.Green)
    {
        /// <summary>An init member with an initializer.</summary>
        public IReadOnlyList<string> Labels { get; init; } = ["default-label"];

        /// <summary>Another.</summary>
        public int Version { get; init; } = 2;

        /// <summary>A settable member with an initializer.</summary>
        public string Note { get; set; } = "none";
    }

    /// <summary>Version 2 of a tier: one more member.</summary>
    public enum Tier
    {
        /// <summary>Basic.</summary>
        Basic,

        /// <summary>Silver.</summary>
        Silver,

        /// <summary>New in version 2.</summary>
        Gold,
    }

    /// <summary>Version 2 of an account: a member renamed (its key kept), one removed, one added.</summary>
    [Message("tests.evolution.account.v2", External = true)]
    public sealed class Account
    {
        /// <summary>The id.</summary>
        public string Id { get; set; } = "";

        /// <summary>The tier.</summary>
        public Tier Tier { get; set; }

        /// <summary>Renamed from Nickname; the key stays, so data of both versions agrees.</summary>
        [Key("Nickname")]
        public string DisplayName { get; set; } = "";

        /// <summary>New, with an initializer that data without it keeps.</summary>
        public Dictionary<string, int> Limits { get; set; } = new() { ["default"] = 1 };
    }

    /// <summary>Version 2 of a contract: a required owner.</summary>
    [Message("tests.evolution.contract.v2", External = true)]
    public sealed record Contract(string Id)
    {
        /// <summary>Required: data without it does not read.</summary>
        public required string Owner { get; init; }
    }
}
