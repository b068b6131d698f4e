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
        // The same files the cmdlet will read: a relative -KubeConfig is relative to PowerShell's location,
        // and one that $PSDefaultParameterValues gives counts (the fake bound parameters leave defaults out).
        var kubeConfig = fakeBoundParameters["KubeConfig"] as string ?? DefaultValue(commandName, "KubeConfig");
        var files = KubeConfigFiles.Resolve(KubeConfigArgument.WithDrivesResolved(kubeConfig, IsFileSystemDrive, ProviderPath), ProviderPath);
        var prefix = wordToComplete.Trim('\'', '"');
        return KubeContextResolver.ContextNames(files)
            .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n.Contains(' ') ? $"'{n}'" : n, n, CompletionResultType.ParameterValue, n));
    }

    /// <summary>The string $PSDefaultParameterValues gives the command's parameter, matched as PowerShell matches its keys.</summary>
    private static string? DefaultValue(string commandName, string parameterName)
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddScript("""
            param($command, $parameter)
            $defaults = $PSDefaultParameterValues
            if (-not $defaults -or $defaults['Disabled']) { return }
            foreach ($entry in $defaults.GetEnumerator()) {
                $key = [string] $entry.Key
                $colon = $key.LastIndexOf(':')
                if ($colon -gt 0 -and $command -like $key.Substring(0, $colon).Trim() -and $parameter -like $key.Substring($colon + 1).Trim() -and $entry.Value -is [string]) {
                    return $entry.Value
                }
            }
            """).AddArgument(commandName).AddArgument(parameterName);
        return ps.Invoke().FirstOrDefault()?.BaseObject as string;
    }

    private static bool IsFileSystemDrive(string name)
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddScript("param($name) [bool] ($ExecutionContext.SessionState.Drive.GetAll() | Where-Object { $_.Provider.Name -eq 'FileSystem' -and $_.Name -eq $name })").AddArgument(name);
        return ps.Invoke().FirstOrDefault()?.BaseObject is true;
    }

    /// <summary>A path as the cmdlet's GetUnresolvedProviderPathFromPSPath would make it, in the completing runspace.</summary>
    private static string ProviderPath(string path)
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddScript("$ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($args[0])").AddArgument(path);
        return ps.Invoke().FirstOrDefault()?.BaseObject as string ?? path;
    }
}
