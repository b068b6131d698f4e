using System.Globalization;
using System.Text;

namespace MeshCluster.Engine;

/// <summary>
/// Text from a cluster or a user printed as data: a control character (an escape sequence, a newline that
/// would forge a log line) is shown as <c>\n</c>, <c>\e</c> or <c>\u{hex}</c> instead of reaching the terminal raw.
/// </summary>
public static class Printable
{
    /// <summary><paramref name="text"/> with every control and format character written as an escape; null stays null.</summary>
    public static string? Quote(string? text)
    {
        if (text is null) return null;
        if (!text.Any(NeedsEscape)) return text;
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\u001b' => "\\e",
                _ when NeedsEscape(c) => "\\u{" + ((int)c).ToString("x", CultureInfo.InvariantCulture) + "}",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    // Cc (C0, DEL, C1) and the bidi/format controls that reorder what a terminal shows.
    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format;
}
