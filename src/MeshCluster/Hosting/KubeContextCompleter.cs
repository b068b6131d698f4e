using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Hosting;

/// <summary>Completes -Context (and -PrimaryContext) with the context names of the kubeconfig in use.</summary>
public sealed class KubeContextCompleter : IArgumentCompleter
{
    /// <inheritdoc />
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        // The same files the cmdlet will read: a relative -KubeConfig is relative to PowerShell's location.
        var files = KubeConfigFiles.Resolve(fakeBoundParameters["KubeConfig"] as string, ProviderPath);
        var prefix = wordToComplete.Trim('\'', '"');
        return KubeContextResolver.ContextNames(files)
            .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n.Contains(' ') ? $"'{n}'" : n, n, CompletionResultType.ParameterValue, n));
    }

    /// <summary>A path as the cmdlet's GetUnresolvedProviderPathFromPSPath would make it, in the completing runspace.</summary>
    private static string ProviderPath(string path)
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddScript("$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($args[0])").AddArgument(path);
        return ps.Invoke().FirstOrDefault()?.BaseObject as string ?? path;
    }
}
