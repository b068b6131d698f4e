using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Trust;

/// <summary>
/// The -Path of a trust cmdlet, made a file-system path once, on the pipeline thread (issue 20, point 10): a path no file system takes
/// (a NUL anywhere; on Windows also the characters it forbids) is CertificatePathInvalid with the path printed as data, before
/// anything is read or written, never CertificateAuthorityNotFound with a raw NUL in its message or a CLR exception's name.
/// </summary>
public static class TrustPath
{
    /// <param name="given">The parameter's value as the user typed it.</param>
    /// <param name="resolve">PowerShell's provider path resolution (relative paths and drives against PowerShell's location).</param>
    /// <param name="parameter">The parameter's name, for the message (-Path).</param>
    public static string Resolve(string given, Func<string, string> resolve, string parameter = "-Path")
    {
        if (given.IndexOfAny(Path.GetInvalidPathChars()) >= 0) throw Invalid(given, parameter, "it holds a character no file system accepts in a path");
        try
        {
            var resolved = resolve(given);
            return resolved.IndexOfAny(Path.GetInvalidPathChars()) >= 0
                ? throw Invalid(given, parameter, "it holds a character no file system accepts in a path")
                : resolved;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            // .NET's and PowerShell's own exceptions would become UnexpectedError (or their type's name) and print the path raw.
            throw Invalid(given, parameter, Printable.Quote(ex.Message.TrimEnd('.'))!);
        }
    }

    private static MeshClusterException Invalid(string given, string parameter, string why) =>
        new(ErrorIds.CertificatePathInvalid, ErrorCategory.InvalidArgument,
            $"{parameter} '{Printable.Quote(given)}' is no valid path ({why}). Nothing was read or written.", target: Printable.Quote(given),
            recommendedAction: "Give the folder's path without control characters.");
}
