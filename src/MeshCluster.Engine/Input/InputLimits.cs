using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MeshCluster.Engine.Input;

/// <summary>
/// Limits every file and document the module reads from a user or a cluster is held to, checked before
/// a parser that recurses (YamlDotNet's deserializer and representation model) sees it: a kubeconfig
/// nested 20,000 levels deep would overflow the stack and end the whole PowerShell process, and
/// /dev/zero as a kubeconfig would fill the memory. Real kubeconfigs are a few KB and six levels deep.
/// </summary>
public static class InputLimits
{
    /// <summary>The largest file read (kubeconfig, spec, PEM): far above any real one.</summary>
    public const int MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>The deepest nesting of YAML collections (or of -Values tables) accepted.</summary>
    public const int MaxNesting = 64;

    /// <summary>
    /// Reads a text file of at most <see cref="MaxFileBytes"/>; <paramref name="invalid"/> turns the reason
    /// (a folder, too large, unreadable) into the caller's error.
    /// </summary>
    public static string ReadText(string path, Func<string, Exception> invalid)
    {
        if (Directory.Exists(path)) throw invalid("it is a folder, not a file");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, FileOptions.SequentialScan);
            return ReadBounded(stream, MaxFileBytes, () => invalid($"it is larger than {MaxFileBytes / 1024 / 1024} MiB")).TrimStart('\uFEFF');
        }
        catch (UnauthorizedAccessException)
        {
            throw invalid("access to it is denied");
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw invalid($"it cannot be read ({ex.Message.TrimEnd('.')})");
        }
    }

    /// <summary>
    /// At most <paramref name="maxBytes"/> of the stream as UTF-8 text, else <paramref name="tooLarge"/>: a regular file by its length
    /// before a byte is read (a sparse 1 TB one too), a device or a pipe (no length) once the bound is passed while reading.
    /// </summary>
    public static string ReadBounded(FileStream stream, int maxBytes, Func<Exception> tooLarge)
    {
        if (stream.CanSeek && stream.Length > maxBytes) throw tooLarge();
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw tooLarge();
            buffer.Write(chunk, 0, read);
        }

        return new UTF8Encoding(false, throwOnInvalidBytes: false).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// Checks YAML syntax and nesting with YamlDotNet's event parser, which keeps its state in a list rather
    /// than on the stack; <paramref name="invalid"/> gets the reason (with line and column, never content).
    /// </summary>
    public static void CheckYaml(string text, Func<string, Exception> invalid)
    {
        var depth = 0;
        try
        {
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case MappingStart or SequenceStart:
                        if (++depth > MaxNesting)
                        {
                            throw invalid($"it is nested deeper than {MaxNesting} levels (line {parser.Current.Start.Line})");
                        }

                        break;
                    case MappingEnd or SequenceEnd:
                        depth--;
                        break;
                }
            }
        }
        catch (YamlException ex)
        {
            // YamlDotNet's messages name line and column, not the content: safe to show.
            throw invalid($"it is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}: {Innermost(ex).Message.TrimEnd('.')})");
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);
}
