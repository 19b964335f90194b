using System.Collections;
using System.Globalization;
using System.Reflection;

namespace FlowSdk.Serialization.Tests.Infrastructure;

/// <summary>Structural equality for test assertions: collections element by element, sets and dictionaries by content, objects member by member.</summary>
internal static class Deep
{
    public static void Equal(object? expected, object? actual, string path = "value")
    {
        if (Difference(expected, actual, path, 0) is { } difference)
        {
            Assert.Fail(difference);
        }
    }

    private static string? Difference(object? expected, object? actual, string path, int depth)
    {
        if (depth > 64)
        {
            return null;
        }

        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }

        var type = expected.GetType();
        if (type.IsPrimitive || type.IsEnum || expected is string or decimal or Guid or DateTime or DateTimeOffset or TimeSpan)
        {
            // A DateTime reads as UTC; an unspecified one was taken for UTC when written (docs/serialization.md).
            if (expected is DateTime d1 && actual is DateTime d2 && (d1.Ticks != d2.Ticks || (d1.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : d1.Kind) != d2.Kind))
            {
                return $"{path}: expected {d1:O} ({d1.Kind}), got {d2:O} ({d2.Kind})";
            }

            if (expected is DateTimeOffset o1 && actual is DateTimeOffset o2 && (o1 != o2 || o1.Offset != o2.Offset))
            {
                return $"{path}: expected {o1:O}, got {o2:O}";
            }

            if (expected is decimal m1 && actual is decimal m2 && m1.ToString(CultureInfo.InvariantCulture) != m2.ToString(CultureInfo.InvariantCulture))
            {
                return $"{path}: expected {m1}, got {m2} (scale differs)";
            }

            return Equals(expected, actual) ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }

        if (expected is IDictionary expectedMap && actual is IDictionary actualMap)
        {
            if (expectedMap.Count != actualMap.Count)
            {
                return $"{path}: expected {expectedMap.Count} entries, got {actualMap.Count}";
            }

            foreach (DictionaryEntry entry in expectedMap)
            {
                if (!actualMap.Contains(entry.Key))
                {
                    return $"{path}: key {Show(entry.Key)} missing";
                }

                if (Difference(entry.Value, actualMap[entry.Key], $"{path}[{Show(entry.Key)}]", depth + 1) is { } inner)
                {
                    return inner;
                }
            }

            return null;
        }

        if (IsSet(type) && expected is IEnumerable expectedSet && actual is IEnumerable actualSet)
        {
            var a = expectedSet.Cast<object?>().Select(Show).Order(StringComparer.Ordinal).ToList();
            var b = actualSet.Cast<object?>().Select(Show).Order(StringComparer.Ordinal).ToList();
            return a.SequenceEqual(b) ? null : $"{path}: expected set {{{string.Join(", ", a)}}}, got {{{string.Join(", ", b)}}}";
        }

        if (expected is IEnumerable expectedItems && actual is IEnumerable actualItems)
        {
            var a = expectedItems.Cast<object?>().ToList();
            var b = actualItems.Cast<object?>().ToList();
            if (a.Count != b.Count)
            {
                return $"{path}: expected {a.Count} elements, got {b.Count}";
            }

            for (var i = 0; i < a.Count; i++)
            {
                if (Difference(a[i], b[i], $"{path}[{i}]", depth + 1) is { } inner)
                {
                    return inner;
                }
            }

            return null;
        }

        if (type != actual.GetType())
        {
            return $"{path}: expected a {type.Name}, got a {actual.GetType().Name}";
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract"))
        {
            if (Difference(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}", depth + 1) is { } inner)
            {
                return inner;
            }
        }

        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            if (Difference(field.GetValue(expected), field.GetValue(actual), $"{path}.{field.Name}", depth + 1) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    private static bool IsSet(Type type) => type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISet<>));

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
