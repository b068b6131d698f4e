using System.Management.Automation;
using System.Text;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Processes;

namespace MeshCluster.Engine.Install;

/// <summary>What to install: the spec's text (for a temporary file) or its file, and where istioctl is asked to look
/// (<see cref="KubeConfig.KubeContext.Name"/> and <see cref="KubeConfig.KubeContext.Files"/>).</summary>
public sealed record RemoteInstallRequest(
    string? SpecYaml,
    string? SpecPath,
    string? IstioctlPath,
    string ContextName,
    IReadOnlyList<string> KubeConfigFiles);

/// <summary>
/// Step 3 of Istio's Add a Remote Cluster guide: <c>istioctl --context=$CTX_2 manifest apply -f install.yaml</c>, with the command form
/// the installed istioctl understands, its output streamed as it comes.
/// </summary>
public static class RemoteInstaller
{
    public const string Activity = "Installing Istio in the remote cluster";
    public const string TemporaryFilePlaceholder = "<temporary file>";
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs istioctl; <paramref name="confirm"/> (ShouldProcess) sees the command line first, and false runs nothing.</summary>
    /// <param name="annotateNamespace">
    /// For a spec that names its primary (topology.istio.io/controlPlaneClusters): sets the annotation on the remote's namespace
    /// (namespace, primary, token). Confirmed separately, before anything runs; declining either step runs nothing.
    /// </param>
    public static async Task<IstioRemoteInstallResult?> InstallAsync(RemoteInstallRequest request, Func<string, string, Task<bool>> confirm,
        IOperationReporter reporter, CancellationToken ct, Func<string, string, CancellationToken, Task>? annotateNamespace = null)
    {
        reporter.Progress(Activity, "Finding istioctl", 0);
        var istioctl = IstioctlLocator.Locate(request.IstioctlPath);
        reporter.Verbose($"Using istioctl at '{istioctl}'.");

        var summary = request.SpecPath is not null
            ? IstioOperatorReader.ReadFile(request.SpecPath)
            : IstioOperatorReader.Read(request.SpecYaml ?? string.Empty, "the spec's YAML");
        if (summary.ClusterName is null)
        {
            reporter.Warning("The spec sets no values.global.multiCluster.clusterName; the result's ClusterName is empty.");
        }

        // The version decides the command, and -WhatIf should show the command that would really run:
        // the query reads nothing from a cluster and changes nothing, so it runs under -WhatIf too.
        reporter.Progress(Activity, "Reading the istioctl version", 10);
        var version = await ReadVersionAsync(istioctl, reporter, ct).ConfigureAwait(false);
        reporter.Verbose($"istioctl {version} uses '{(version.HasInstallCommand ? "install" : "manifest apply")}'.");

        // Whether this istioctl's charts make of the spec what it means, before anything runs (so -WhatIf shows a refusal too).
        foreach (var warning in InstallFormRules.Check(version, summary, request.SpecPath ?? summary.ClusterName ?? "the spec"))
        {
            reporter.Warning(warning);
        }

        if (summary.ControlPlaneClusters is { } named) ControlPlaneClustersAnnotation.Parse(named);

        // One kubeconfig file goes on the command line; a list goes in KUBECONFIG, which istioctl merges as kubectl does.
        var kubeConfigArgument = request.KubeConfigFiles.Count == 1 ? request.KubeConfigFiles[0] : null;
        var environment = request.KubeConfigFiles.Count > 1
            ? new Dictionary<string, string> { ["KUBECONFIG"] = string.Join(Path.PathSeparator, request.KubeConfigFiles) }
            : null;

        var shownArguments = version.InstallArguments(request.SpecPath ?? TemporaryFilePlaceholder, request.ContextName, kubeConfigArgument);
        var commandLine = Quote(istioctl) + " " + string.Join(' ', shownArguments.Select(Quote));
        var primary = summary.ControlPlaneClusters;
        if (primary is not null && annotateNamespace is null)
        {
            reporter.Warning($"The spec names primary '{primary}', but nothing here can annotate the remote's namespace {summary.Namespace} with it.");
            primary = null;
        }

        // Both questions first (so -WhatIf shows both), then both steps.
        var annotate = primary is null || await confirm($"Namespace {summary.Namespace} in context '{request.ContextName}'",
            $"Annotate {ControlPlaneClustersAnnotation.Name}={primary} (creating the namespace if missing)").ConfigureAwait(false);
        if (!await confirm($"context '{request.ContextName}' (cluster '{summary.ClusterName}', namespace {summary.Namespace})", $"Run {commandLine}").ConfigureAwait(false) || !annotate)
        {
            reporter.ProgressCompleted(Activity);
            return null;
        }

        if (primary is not null)
        {
            reporter.Progress(Activity, $"Annotating namespace {summary.Namespace} with {ControlPlaneClustersAnnotation.Name}={primary}", 20);
            await annotateNamespace!(summary.Namespace, primary, ct).ConfigureAwait(false);
        }

        string? temporary = null;
        try
        {
            var specFile = request.SpecPath;
            if (specFile is null)
            {
                temporary = Path.Combine(Path.GetTempPath(), $"meshcluster-install-{Guid.NewGuid():N}.yaml");
                await File.WriteAllTextAsync(temporary, request.SpecYaml, new UTF8Encoding(false), ct).ConfigureAwait(false);
                specFile = temporary;
            }

            var arguments = version.InstallArguments(specFile, request.ContextName, kubeConfigArgument);
            reporter.Progress(Activity, $"Running istioctl {arguments[0]} in context '{request.ContextName}'", 30);
            reporter.Verbose($"Running {Quote(istioctl)} {string.Join(' ', arguments.Select(Quote))}");
            var run = await ChildProcess.RunAsync(istioctl, arguments, environment,
                (line, _) => reporter.Verbose("istioctl: " + line), StartFailed(istioctl), ct).ConfigureAwait(false);

            if (run.ExitCode != 0)
            {
                throw new MeshClusterException(ErrorIds.IstioctlFailed, ErrorCategory.InvalidResult,
                    $"istioctl {string.Join(' ', arguments.Take(version.HasInstallCommand ? 1 : 2))} failed in context '{request.ContextName}' with exit code {run.ExitCode}. " +
                    $"Its last output:{Environment.NewLine}{string.Join(Environment.NewLine, run.Tail)}",
                    target: request.ContextName);
            }

            reporter.Progress(Activity, "Done", 100);
            reporter.ProgressCompleted(Activity);
            return new IstioRemoteInstallResult(summary.ClusterName, request.ContextName, summary.Namespace, version.Text, istioctl,
                shownArguments.ToArray(), run.ExitCode, run.Duration, request.SpecPath, summary.Form, summary.Network, summary.RemotePilotAddress);
        }
        finally
        {
            // Also on failure and Ctrl+C: the spec never outlives the call.
            if (temporary is not null)
            {
                try { File.Delete(temporary); }
                catch (IOException ex) { reporter.Warning($"The temporary spec '{temporary}' could not be removed: {ex.Message}"); }
            }
        }
    }

    public static async Task<IstioctlVersion> ReadVersionAsync(string istioctl, IOperationReporter reporter, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(VersionTimeout);
        var output = new StringBuilder();
        ChildProcessResult run;
        try
        {
            run = await ChildProcess.RunAsync(istioctl, new[] { "version", "--remote=false", "-o", "json" }, null, (line, isError) =>
            {
                if (isError) reporter.Debug("istioctl version: " + line);
                else lock (output) output.AppendLine(line);
            }, StartFailed(istioctl), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new MeshClusterException(ErrorIds.IstioctlVersionUnknown, ErrorCategory.OperationTimeout,
                $"'{istioctl} version --remote=false -o json' did not answer within {VersionTimeout.TotalSeconds:0} s.", target: istioctl);
        }

        if (run.ExitCode != 0)
        {
            throw new MeshClusterException(ErrorIds.IstioctlVersionUnknown, ErrorCategory.InvalidResult,
                $"'{istioctl} version --remote=false -o json' failed with exit code {run.ExitCode}: {string.Join(" ", run.Tail)}", target: istioctl);
        }

        lock (output) return IstioctlVersion.Parse(output.ToString(), istioctl);
    }

    private static Func<string, MeshClusterException> StartFailed(string istioctl) => reason =>
        new(ErrorIds.IstioctlStartFailed, ErrorCategory.ResourceUnavailable, $"'{istioctl}' could not be started: {reason}.", target: istioctl);

    private static string Quote(string s) => s.Length > 0 && s.All(c => !char.IsWhiteSpace(c) && c is not '"' and not '\'') ? s : "'" + s.Replace("'", "''") + "'";
}
