using System.Text;

namespace FlowSdk.Runtime;

/// <summary>Makes text that came with a message (subjects, keys, reasons) safe to write into a log line or a header.</summary>
internal static class LogText
{
    /// <summary>The longest value written; longer ones are cut with an ellipsis.</summary>
    public const int MaxLength = 512;

    /// <summary>Escapes control characters (CR, LF, NUL, ...) as <c>\xNN</c> and cuts the text at <see cref="MaxLength"/> characters.</summary>
    public static string Escape(string? text)
    {
        if (text is null)
        {
            return "";
        }

        var clean = true;
        foreach (var c in text)
        {
            if (char.IsControl(c) || c == '\\')
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text.Length <= MaxLength ? text : string.Concat(text.AsSpan(0, MaxLength), "...");
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (builder.Length >= MaxLength)
            {
                builder.Append("...");
                break;
            }

            if (c == '\\')
            {
                builder.Append("\\\\");
            }
            else if (char.IsControl(c))
            {
                builder.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}

/// <summary>Text from a message for a log line, escaped (<see cref="LogText.Escape"/>) only when the line is written.</summary>
/// <param name="value">The raw text.</param>
internal readonly struct SafeText(string? value)
{
    /// <inheritdoc/>
    public override string ToString() => LogText.Escape(value);
}

/// <summary>An exception's type and message for a one-line log entry, escaped only when the line is written.</summary>
/// <param name="exception">The exception.</param>
internal readonly struct SafeError(Exception exception)
{
    /// <inheritdoc/>
    public override string ToString() => LogText.Escape(exception.GetType().Name + ": " + exception.Message);
}
