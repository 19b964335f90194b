using System;
using System.Text;

namespace FlowSdk.Generators;

/// <summary>A small indented writer: emission stays readable and the output deterministic.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public SourceWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
        }

        _builder.Append(text).Append('\n');
        return this;
    }

    public SourceWriter Open(string text)
    {
        Line(text);
        Line("{");
        _indent++;
        return this;
    }

    /// <summary>Opens a bare block: <c>{</c> on its own line.</summary>
    public SourceWriter OpenBlock()
    {
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        return Line("}" + suffix);
    }

    /// <summary>Opens a class that has one shared instance: <paramref name="declaration"/>, then its documented static readonly <c>Instance</c> field and a blank line.</summary>
    public SourceWriter OpenSingleton(string declaration, string name, string summary, string instanceAccessibility = "public")
    {
        Open(declaration);
        Doc($"<summary>{summary}</summary>");
        Line($"{instanceAccessibility} static readonly {name} Instance = new {name}();");
        return Line();
    }

    public SourceWriter Doc(string summary)
    {
        foreach (var line in summary.Split('\n'))
        {
            Line("/// " + line);
        }

        return this;
    }

    public override string ToString() => _builder.ToString();

    public static string Escape(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\u0085': builder.Append("\\u0085"); break;
                case '\u2028': builder.Append("\\u2028"); break;
                case '\u2029': builder.Append("\\u2029"); break;
                default: builder.Append(c); break;
            }
        }

        return builder.Append('"').ToString();
    }

    public static string XmlEscape(string value) => value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
