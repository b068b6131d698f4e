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
        var istioctl = IstioctlInstallRunner.Locate(request.IstioctlPath, Activity, reporter);

        var summary = request.SpecPath is not null
            ? IstioOperatorReader.ReadFile(request.SpecPath)
            : IstioOperatorReader.Read(request.SpecYaml ?? string.Empty, "the spec's YAML");
        if (summary.ClusterName is null)
        {
            reporter.Warning("The spec sets no values.global.multiCluster.clusterName; the result's ClusterName is empty.");
        }

        var version = await IstioctlInstallRunner.ReadVersionAsync(istioctl, Activity, reporter, ct).ConfigureAwait(false);

        // Whether this istioctl's charts make of the spec what it means, before anything runs (so -WhatIf shows a refusal too).
        foreach (var warning in InstallFormRules.Check(version, summary, request.SpecPath ?? summary.ClusterName ?? "the spec"))
        {
            reporter.Warning(warning);
        }

        if (summary.ControlPlaneClusters is { } named) ControlPlaneClustersAnnotation.Parse(named);

        var runner = new IstioctlInstallRunner(istioctl, version, request.SpecPath, request.ContextName, request.KubeConfigFiles);
        var commandLine = runner.CommandLine;
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

        var run = await runner.RunAsync(request.SpecYaml, Activity, reporter, ct).ConfigureAwait(false);
        return new IstioRemoteInstallResult(summary.ClusterName, request.ContextName, summary.Namespace, version.Text, istioctl,
            runner.ShownArguments, run.ExitCode, run.Duration, request.SpecPath, summary.Form, summary.Network, summary.RemotePilotAddress);
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
            }, IstioctlInstallRunner.StartFailed(istioctl), timeout.Token).ConfigureAwait(false);
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
}
