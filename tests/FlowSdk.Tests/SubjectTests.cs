namespace FlowSdk.Tests;

public sealed class SubjectTests
{
    [Theory]
    [InlineData("plans.submitted", "plans.submitted", true)]
    [InlineData("plans.submitted", "plans.submitted.late", false)]
    [InlineData("plans.submitted.late", "plans.submitted", false)]
    [InlineData("plans.*", "plans.submitted", true)]
    [InlineData("plans.*", "plans.review.requested", false)]
    [InlineData("plans.*.requested", "plans.review.requested", true)]
    [InlineData("*.*.requested", "plans.review.requested", true)]
    [InlineData("plans.>", "plans.submitted", true)]
    [InlineData("plans.>", "plans.review.requested", true)]
    [InlineData("plans.>", "plans", false)]
    [InlineData(">", "plans", true)]
    [InlineData("*", "plans.submitted", false)]
    [InlineData("plans", "plansx", false)]
    [InlineData("plan", "plans", false)]
    [InlineData(">", "", false)]
    [InlineData("plans.>", "plans.", false)]
    [InlineData("plans.*", "plans.", false)]
    [InlineData("plans.*.x", "plans..x", true)]
    public void Patterns_match_as_nats_matches_them(string pattern, string subject, bool expected)
        => Assert.Equal(expected, Subjects.Matches(pattern, subject));

    [Theory]
    [InlineData("", false, "empty")]
    [InlineData("plans..submitted", false, "token 2 is empty")]
    [InlineData(".plans", false, "token 1 is empty")]
    [InlineData("plans.sub mitted", false, "white space")]
    [InlineData("plans.*", false, "only a subscription may use")]
    [InlineData("plans.>.x", true, "'>' may only be the last token")]
    [InlineData("plans.a*", true, "mixes a wildcard")]
    [InlineData("plans.", false, "token 2 is empty")]
    [InlineData("plans.\t", false, "control character")]
    [InlineData("a>b", true, "mixes a wildcard")]
    [InlineData("*.plans", false, "token 1 is the wildcard '*'")]
    [InlineData(null, false, "empty")]
    public void Invalid_subjects_are_explained(string? subject, bool allowWildcards, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() => Subjects.EnsureValid(subject, allowWildcards, "subject"));
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData("plans.submitted", false)]
    [InlineData("plans.*", true)]
    [InlineData("plans.>", true)]
    [InlineData("*.plans.>", true)]
    [InlineData("plans-v2.sub_mitted.é", false)]
    public void Valid_subjects_pass(string subject, bool allowWildcards) => Assert.Null(Subjects.Validate(subject, allowWildcards));
}

/// <summary>Patterns as sets of subjects (src/Common/SubjectRules.cs; the NATS transport lays out its stream with them).</summary>
public sealed class SubjectSetTests
{
    [Theory]
    [InlineData("a.>", "a.b", true)]
    [InlineData("a.>", "a.b.c", true)]
    [InlineData("a.>", "a", false)]
    [InlineData("a.*", "a.b", true)]
    [InlineData("a.*", "a.*", true)]
    [InlineData("a.*", "a.>", false)]
    [InlineData("a.*", "a.b.c", false)]
    [InlineData("a.b", "a.*", false)]
    [InlineData(">", "a", true)]
    [InlineData(">", "a.>", true)]
    [InlineData("a.b", "a.b", true)]
    [InlineData("a.b", "a.b.c", false)]
    [InlineData("a.b.c", "a.b", false)]
    public void Covers_is_set_inclusion_of_subjects(string general, string specific, bool expected) =>
        Assert.Equal(expected, FlowSdk.Common.SubjectRules.Covers(general, specific));

    [Theory]
    [InlineData("a.b", "a.*", true)]
    [InlineData("a.>", "*.b.c", true)]
    [InlineData("a.b", "a.c", false)]
    [InlineData("a.b", "a.b.c", false)]
    [InlineData("a.*", "a.b.c", false)]
    [InlineData("*", "a.b", false)]
    [InlineData("flowsdk.deadletter.>", "flowsdk.deadletter.>", true)]
    public void Collide_when_some_subject_matches_both(string a, string b, bool expected)
    {
        Assert.Equal(expected, FlowSdk.Common.SubjectRules.Collide(a, b));
        Assert.Equal(expected, FlowSdk.Common.SubjectRules.Collide(b, a));
    }
}

public sealed class SubjectPatternTests
{
    [Theory]
    [InlineData("plans.*", "plans.submitted", true)]
    [InlineData("plans.*", "plans.review.requested", false)]
    [InlineData("plans.>", "plans.review.requested", true)]
    [InlineData("plans.submitted", "plans.submitted", true)]
    public void A_pattern_matches_subjects_as_nats_does(string pattern, string subject, bool expected)
        => Assert.Equal(expected, new SubjectPattern(pattern).Matches(subject));

    [Fact]
    public void A_pattern_given_where_the_subject_belongs_is_refused_not_matched()
    {
        var subject = new SubjectPattern("plans.submitted");

        var error = Assert.Throws<ArgumentException>(() => subject.Matches("plans.*"));

        Assert.Contains("only a subscription may use", error.Message);
        Assert.Equal("subject", error.ParamName);
    }

    [Fact]
    public void An_invalid_pattern_is_refused_with_the_reason_and_a_default_one_says_how_to_make_one()
    {
        Assert.Contains("'>' may only be the last token", Assert.Throws<ArgumentException>(() => new SubjectPattern("plans.>.x")).Message);
        Assert.Contains("new SubjectPattern", Assert.Throws<InvalidOperationException>(() => default(SubjectPattern).Matches("plans")).Message);
    }

    [Fact]
    public void Patterns_are_equal_by_text_and_know_their_wildcards()
    {
        Assert.Equal(new SubjectPattern("a.*"), new SubjectPattern("a.*"));
        Assert.True(new SubjectPattern("a.*") != new SubjectPattern("a.b"));
        Assert.True(new SubjectPattern("a.*").HasWildcards);
        Assert.False(new SubjectPattern("a.b").HasWildcards);
        Assert.True(SubjectPattern.All.Matches("anything.at.all"));
    }
}
