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
