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
    public void Invalid_subjects_are_explained(string subject, bool allowWildcards, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() => Subjects.EnsureValid(subject, allowWildcards, "subject"));
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData("plans.submitted", false)]
    [InlineData("plans.*", true)]
    [InlineData("plans.>", true)]
    public void Valid_subjects_pass(string subject, bool allowWildcards) => Assert.Null(Subjects.Validate(subject, allowWildcards));
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
