using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Hosting;

/// <summary>Completes -Context (and -PrimaryContext) with the context names of the kubeconfig in use.</summary>
public sealed class KubeContextCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var kubeConfig = fakeBoundParameters["KubeConfig"] as string;
        var prefix = wordToComplete.Trim('\'', '"');
        return KubeContextResolver.ContextNames(kubeConfig)
            .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n.Contains(' ') ? $"'{n}'" : n, n, CompletionResultType.ParameterValue, n));
    }
}
