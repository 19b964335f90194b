using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace FlowSdk.Generators.Parsing.Shared;

/// <summary>A serialized type as the schema file records it: its keys and their types, in wire order.</summary>
internal sealed class SchemaType
{
    public SchemaType(string name, string kind, IReadOnlyList<SchemaKey> members, IReadOnlyList<SchemaKey>? retired = null, LinePositionSpan? span = null)
    {
        Name = name;
        Kind = kind;
        Members = members;
        Retired = retired ?? Array.Empty<SchemaKey>();
        Span = span;
    }

    /// <summary>The type's name, namespace-qualified.</summary>
    public string Name { get; }

    /// <summary><c>state</c>, <c>message</c>, <c>object</c> or <c>enum</c>.</summary>
    public string Kind { get; }

    public bool IsEnum => Kind == "enum";

    /// <summary>The keys and their schema types; for an enum, its member names (with empty types).</summary>
    public IReadOnlyList<SchemaKey> Members { get; }

    /// <summary>Keys that were removed: never to be used again for another member.</summary>
    public IReadOnlyList<SchemaKey> Retired { get; }

    /// <summary>Where the type's name is in the schema file, when it was read from one.</summary>
    public LinePositionSpan? Span { get; }
}

/// <summary>A key and its schema type, with where it is in the schema file when it was read from one.</summary>
internal sealed class SchemaKey
{
    public SchemaKey(string key, string type, LinePositionSpan? span = null)
    {
        Key = key;
        Type = type;
        Span = span;
    }

    public string Key { get; }

    public string Type { get; }

    public LinePositionSpan? Span { get; }
}

/// <summary>What changed between the schema file and the code.</summary>
internal enum SchemaChange
{
    /// <summary>A type the file has no entry for (FLOW0103).</summary>
    NewType,

    /// <summary>A key (or enum member) the file does not list (FLOW0103).</summary>
    NewKey,

    /// <summary>A key whose type changed in a way old data still reads (it became nullable) (FLOW0103).</summary>
    CompatibleTypeChange,

    /// <summary>A key (or enum member) the file lists that the type no longer has (FLOW0104).</summary>
    KeyRemoved,

    /// <summary>A key whose type changed, or a type that became an enum or stopped being one (FLOW0105).</summary>
    TypeChanged,

    /// <summary>A retired key in use again (FLOW0106).</summary>
    KeyReused,
}

/// <summary>One difference between the schema file and the code.</summary>
internal sealed class SchemaDifference
{
    public SchemaDifference(SchemaChange change, string type, string? key, string? oldType, string? newType, LinePositionSpan? fileSpan)
    {
        Change = change;
        Type = type;
        Key = key;
        OldType = oldType;
        NewType = newType;
        FileSpan = fileSpan;
    }

    public SchemaChange Change { get; }

    public string Type { get; }

    public string? Key { get; }

    public string? OldType { get; }

    public string? NewType { get; }

    /// <summary>Where the file records what changed, if it does.</summary>
    public LinePositionSpan? FileSpan { get; }
}

/// <summary>
/// The schema file (<c>flowsdk.schema.json</c>): the keys and types of every serialized type, checked in,
/// compared with the code by the analyzers and rewritten by the generator when asked to
/// (<c>-p:FlowSdk_UpdateSchema=true</c>). Read and written here, without a JSON library (netstandard2.0
/// Roslyn components carry none).
/// </summary>
internal static class SchemaFile
{
    /// <summary>The schema file's name; the analyzers and the generator read the additional file of that name.</summary>
    public const string FileName = "flowsdk.schema.json";

    /// <summary>The MSBuild property that asks the build to rewrite the schema file.</summary>
    public const string UpdateProperty = "FlowSdk_UpdateSchema";

    /// <summary>The marker around the JSON in the generated source the build copies to the schema file.</summary>
    public const string GeneratedMarker = "FLOWSDK_SCHEMA_JSON";

    private const string Comment = "FlowSdk serialization schema: the MessagePack keys of every serialized type. The build checks the code against it (FLOW0103-FLOW0107); to record a change, build with -p:" + UpdateProperty + "=true. See docs/serialization.md.";

    /// <summary>Reads a schema file; <paramref name="error"/> says what is wrong with one that cannot be read.</summary>
    public static IReadOnlyList<SchemaType> Parse(string text, out string? error, out LinePositionSpan errorSpan)
    {
        var types = new List<SchemaType>();
        error = null;
        errorSpan = default;
        try
        {
            var parser = new JsonParser(text);
            var root = parser.ParseDocument();
            if (root is not JsonObject document)
            {
                throw new JsonException("the file must hold a JSON object", root.Span);
            }

            if (document.Get("types") is not { } typesValue)
            {
                return types;
            }

            if (typesValue is not JsonObject typesObject)
            {
                throw new JsonException("\"types\" must be an object", typesValue.Span);
            }

            foreach (var (name, nameSpan, value) in typesObject.Properties)
            {
                if (value is not JsonObject typeObject)
                {
                    throw new JsonException($"the entry of '{name}' must be an object", value.Span);
                }

                var kind = (typeObject.Get("kind") as JsonString)?.Value ?? "object";
                var members = new List<SchemaKey>();
                switch (typeObject.Get("members"))
                {
                    case null:
                        break;
                    case JsonArray array when kind == "enum":
                        foreach (var item in array.Items)
                        {
                            members.Add(new SchemaKey(item is JsonString s ? s.Value : throw new JsonException("enum members must be strings", item.Span), "", item.Span));
                        }

                        break;
                    case JsonObject keys:
                        members.AddRange(Keys(keys));
                        break;
                    case var other:
                        throw new JsonException(kind == "enum" ? "the members of an enum must be an array of names" : "\"members\" must be an object of keys and types", other.Span);
                }

                var retired = typeObject.Get("retired") switch
                {
                    null => new List<SchemaKey>(),
                    JsonObject keys => Keys(keys).ToList(),
                    var other => throw new JsonException("\"retired\" must be an object of keys and types", other.Span),
                };
                types.Add(new SchemaType(name, kind, members, retired, nameSpan));
            }
        }
        catch (JsonException ex)
        {
            error = ex.Message;
            errorSpan = ex.Span;
        }

        return types;

        static IEnumerable<SchemaKey> Keys(JsonObject keys)
        {
            foreach (var (key, keySpan, value) in keys.Properties)
            {
                yield return new SchemaKey(key, value is JsonString type ? type.Value : throw new JsonException($"the type of '{key}' must be a string", value.Span), keySpan);
            }
        }
    }

    /// <summary>Writes a schema file: types ordered by name, keys in wire order, two-space indentation, '\n' line ends.</summary>
    public static string Write(IEnumerable<SchemaType> types)
    {
        var b = new StringBuilder();
        b.Append("{\n  \"$comment\": ").Append(Quote(Comment)).Append(",\n  \"types\": {");
        var firstType = true;
        foreach (var type in types.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            b.Append(firstType ? "\n" : ",\n");
            firstType = false;
            b.Append("    ").Append(Quote(type.Name)).Append(": {\n");
            b.Append("      \"kind\": ").Append(Quote(type.Kind)).Append(",\n");
            if (type.IsEnum)
            {
                b.Append("      \"members\": [");
                b.Append(string.Join(", ", type.Members.Select(m => Quote(m.Key))));
                b.Append(']');
            }
            else
            {
                b.Append("      \"members\": ");
                WriteKeys(b, type.Members);
            }

            if (type.Retired.Count > 0)
            {
                b.Append(",\n      \"retired\": ");
                WriteKeys(b, type.Retired);
            }

            b.Append("\n    }");
        }

        b.Append(firstType ? "}\n}\n" : "\n  }\n}\n");
        return b.ToString();

        static void WriteKeys(StringBuilder b, IReadOnlyList<SchemaKey> keys)
        {
            if (keys.Count == 0)
            {
                b.Append("{}");
                return;
            }

            b.Append("{\n");
            for (var i = 0; i < keys.Count; i++)
            {
                b.Append("        ").Append(Quote(keys[i].Key)).Append(": ").Append(Quote(keys[i].Type)).Append(i + 1 < keys.Count ? ",\n" : "\n");
            }

            b.Append("      }");
        }
    }

    /// <summary>
    /// The schema file after an update: the code's types as they are now, each keeping the keys it retired
    /// before, plus those the code no longer has (so they are never reused). Types the code no longer
    /// serializes are dropped.
    /// </summary>
    public static IReadOnlyList<SchemaType> Merge(IReadOnlyList<SchemaType> file, IReadOnlyList<SchemaType> code)
    {
        var old = file.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var result = new List<SchemaType>();
        foreach (var type in code)
        {
            var retired = new List<SchemaKey>();
            if (old.TryGetValue(type.Name, out var before) && !type.IsEnum && !before.IsEnum)
            {
                var current = new HashSet<string>(type.Members.Select(m => m.Key), StringComparer.Ordinal);
                foreach (var key in before.Retired.Concat(before.Members))
                {
                    if (!current.Contains(key.Key) && !retired.Any(r => r.Key == key.Key))
                    {
                        retired.Add(new SchemaKey(key.Key, key.Type));
                    }
                }
            }

            result.Add(new SchemaType(type.Name, type.Kind, type.Members, retired.OrderBy(r => r.Key, StringComparer.Ordinal).ToList()));
        }

        return result;
    }

    /// <summary>What differs between the schema file and the code, type by type in the code's order.</summary>
    public static IEnumerable<SchemaDifference> Compare(IReadOnlyList<SchemaType> file, IReadOnlyList<SchemaType> code)
    {
        var recorded = file.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var type in code)
        {
            if (!recorded.TryGetValue(type.Name, out var before))
            {
                yield return new SchemaDifference(SchemaChange.NewType, type.Name, null, null, null, null);
                continue;
            }

            if (before.IsEnum != type.IsEnum)
            {
                yield return new SchemaDifference(SchemaChange.TypeChanged, type.Name, null, before.IsEnum ? "enum" : "object", type.IsEnum ? "enum" : "object", before.Span);
                continue;
            }

            var beforeKeys = before.Members.GroupBy(m => m.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var retired = before.Retired.GroupBy(m => m.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            foreach (var member in type.Members)
            {
                if (beforeKeys.TryGetValue(member.Key, out var old))
                {
                    if (old.Type != member.Type)
                    {
                        var change = IsCompatible(old.Type, member.Type) ? SchemaChange.CompatibleTypeChange : SchemaChange.TypeChanged;
                        yield return new SchemaDifference(change, type.Name, member.Key, old.Type, member.Type, old.Span);
                    }
                }
                else if (retired.TryGetValue(member.Key, out var gone))
                {
                    yield return new SchemaDifference(SchemaChange.KeyReused, type.Name, member.Key, gone.Type, member.Type, gone.Span);
                }
                else
                {
                    yield return new SchemaDifference(SchemaChange.NewKey, type.Name, member.Key, null, member.Type, null);
                }
            }

            var current = new HashSet<string>(type.Members.Select(m => m.Key), StringComparer.Ordinal);
            foreach (var old in before.Members)
            {
                if (!current.Contains(old.Key))
                {
                    yield return new SchemaDifference(SchemaChange.KeyRemoved, type.Name, old.Key, old.Type, null, old.Span);
                }
            }
        }
    }

    /// <summary>Whether data written with the old type reads as the new one: the same type, now nullable.</summary>
    private static bool IsCompatible(string oldType, string newType) =>
        newType.EndsWith("?", StringComparison.Ordinal) && !oldType.EndsWith("?", StringComparison.Ordinal) && newType.Substring(0, newType.Length - 1) == oldType;

    private static string Quote(string value)
    {
        var b = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                default:
                    if (c < ' ' || c is '\u0085' or '\u2028' or '\u2029')
                    {
                        b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        b.Append(c);
                    }

                    break;
            }
        }

        return b.Append('"').ToString();
    }

    private abstract class JsonValue(LinePositionSpan span)
    {
        public LinePositionSpan Span { get; } = span;
    }

    private sealed class JsonString(string value, LinePositionSpan span) : JsonValue(span)
    {
        public string Value { get; } = value;
    }

    private sealed class JsonOther(LinePositionSpan span) : JsonValue(span);

    private sealed class JsonArray(List<JsonValue> items, LinePositionSpan span) : JsonValue(span)
    {
        public List<JsonValue> Items { get; } = items;
    }

    private sealed class JsonObject(List<(string Name, LinePositionSpan NameSpan, JsonValue Value)> properties, LinePositionSpan span) : JsonValue(span)
    {
        public List<(string Name, LinePositionSpan NameSpan, JsonValue Value)> Properties { get; } = properties;

        public JsonValue? Get(string name) => Properties.FirstOrDefault(p => p.Name == name).Value;
    }

    private sealed class JsonException(string message, LinePositionSpan span) : Exception(message)
    {
        public LinePositionSpan Span { get; } = span;
    }

    /// <summary>A strict, small JSON reader that remembers where each value and property name is.</summary>
    private sealed class JsonParser(string text)
    {
        private int _position;
        private int _line;
        private int _lineStart;

        public JsonValue ParseDocument()
        {
            var value = ParseValue(0);
            SkipWhitespace();
            if (_position < text.Length)
            {
                throw Error("unexpected text after the JSON value");
            }

            return value;
        }

        private LinePosition Here => new(_line, _position - _lineStart);

        private JsonException Error(string message) => new($"{message} (line {_line + 1}, column {_position - _lineStart + 1})", new LinePositionSpan(Here, Here));

        private void SkipWhitespace()
        {
            while (_position < text.Length)
            {
                var c = text[_position];
                if (c == '\n')
                {
                    _line++;
                    _lineStart = _position + 1;
                }
                else if (c is not (' ' or '\t' or '\r' or '\uFEFF'))
                {
                    return;
                }

                _position++;
            }
        }

        private JsonValue ParseValue(int depth)
        {
            if (depth > 64)
            {
                throw Error("the JSON nests too deep");
            }

            SkipWhitespace();
            if (_position >= text.Length)
            {
                throw Error("the file ends where a value was expected");
            }

            var start = Here;
            switch (text[_position])
            {
                case '{':
                    _position++;
                    var properties = new List<(string, LinePositionSpan, JsonValue)>();
                    SkipWhitespace();
                    if (Peek('}'))
                    {
                        return new JsonObject(properties, new LinePositionSpan(start, Here));
                    }

                    while (true)
                    {
                        SkipWhitespace();
                        var nameStart = Here;
                        if (_position >= text.Length || text[_position] != '"')
                        {
                            throw Error("expected a property name in double quotes");
                        }

                        var name = ParseString();
                        var nameSpan = new LinePositionSpan(nameStart, Here);
                        SkipWhitespace();
                        Expect(':');
                        properties.Add((name, nameSpan, ParseValue(depth + 1)));
                        SkipWhitespace();
                        if (Peek('}'))
                        {
                            return new JsonObject(properties, new LinePositionSpan(start, Here));
                        }

                        Expect(',');
                    }

                case '[':
                    _position++;
                    var items = new List<JsonValue>();
                    SkipWhitespace();
                    if (Peek(']'))
                    {
                        return new JsonArray(items, new LinePositionSpan(start, Here));
                    }

                    while (true)
                    {
                        items.Add(ParseValue(depth + 1));
                        SkipWhitespace();
                        if (Peek(']'))
                        {
                            return new JsonArray(items, new LinePositionSpan(start, Here));
                        }

                        Expect(',');
                    }

                case '"':
                    var value = ParseString();
                    return new JsonString(value, new LinePositionSpan(start, Here));
                default:
                    var begin = _position;
                    while (_position < text.Length && (char.IsLetterOrDigit(text[_position]) || text[_position] is '-' or '+' or '.'))
                    {
                        _position++;
                    }

                    var word = text.Substring(begin, _position - begin);
                    if (word is "true" or "false" or "null" || double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    {
                        return new JsonOther(new LinePositionSpan(start, Here));
                    }

                    _position = begin;
                    throw Error("expected a JSON value");
            }
        }

        private bool Peek(char c)
        {
            if (_position < text.Length && text[_position] == c)
            {
                _position++;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            if (!Peek(c))
            {
                throw Error($"expected '{c}'");
            }
        }

        private string ParseString()
        {
            _position++;
            var b = new StringBuilder();
            while (true)
            {
                if (_position >= text.Length || text[_position] == '\n')
                {
                    throw Error("a string is not closed");
                }

                var c = text[_position++];
                if (c == '"')
                {
                    return b.ToString();
                }

                if (c != '\\')
                {
                    b.Append(c);
                    continue;
                }

                if (_position >= text.Length)
                {
                    throw Error("a string is not closed");
                }

                var escape = text[_position++];
                switch (escape)
                {
                    case '"': b.Append('"'); break;
                    case '\\': b.Append('\\'); break;
                    case '/': b.Append('/'); break;
                    case 'b': b.Append('\b'); break;
                    case 'f': b.Append('\f'); break;
                    case 'n': b.Append('\n'); break;
                    case 'r': b.Append('\r'); break;
                    case 't': b.Append('\t'); break;
                    case 'u' when _position + 4 <= text.Length && int.TryParse(text.Substring(_position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code):
                        b.Append((char)code);
                        _position += 4;
                        break;
                    default:
                        throw Error($"'\\{escape}' is not a JSON escape");
                }
            }
        }
    }
}
