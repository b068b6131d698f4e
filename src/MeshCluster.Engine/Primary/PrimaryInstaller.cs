using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Primary;

/// <summary>What to install in the primary: the spec's text or its file, and where istioctl is asked to look.</summary>
public sealed record PrimaryInstallRequest(string? SpecYaml, string? SpecPath, string? IstioctlPath, string ContextName, IReadOnlyList<string> KubeConfigFiles);

/// <summary>
/// The "initial configuration" of Istio's multicluster guides: <c>istioctl install -f primary.yaml --context $CTX_1</c> (and the east-west
/// gateway's spec the same way), through the one istioctl engine Install-IstioRemote uses (<see cref="IstioctlInstallRunner"/>).
/// </summary>
public static class PrimaryInstaller
{
    public const string Activity = "Installing Istio in the primary cluster";

    /// <summary>Runs istioctl; <paramref name="confirm"/> (ShouldProcess) sees the command line first, and false runs nothing.</summary>
    public static async Task<IstioPrimaryInstallResult?> InstallAsync(PrimaryInstallRequest request, Func<string, string, Task<bool>> confirm,
        IOperationReporter reporter, CancellationToken ct)
    {
        var istioctl = IstioctlInstallRunner.Locate(request.IstioctlPath, Activity, reporter);
        var summary = request.SpecPath is not null
            ? PrimaryOperatorReader.ReadFile(request.SpecPath)
            : PrimaryOperatorReader.Read(request.SpecYaml ?? string.Empty, "the spec's YAML");
        var version = await IstioctlInstallRunner.ReadVersionAsync(istioctl, Activity, reporter, ct).ConfigureAwait(false);

        // Before anything runs, so -WhatIf shows a refusal too.
        var target = request.SpecPath ?? summary.Common.ClusterName ?? "the spec";
        foreach (var warning in PrimaryFormRules.Check(version, summary, target)) reporter.Warning(warning);

        var runner = new IstioctlInstallRunner(istioctl, version, request.SpecPath, request.ContextName, request.KubeConfigFiles);
        var what = summary.GatewayOnly ? $"gateways {string.Join(", ", summary.Gateways)}" : $"cluster '{summary.Common.ClusterName}', {summary.Form}";
        if (!await confirm($"context '{request.ContextName}' ({what}, namespace {summary.Common.Namespace})", $"Run {runner.CommandLine}").ConfigureAwait(false))
        {
            reporter.ProgressCompleted(Activity);
            return null;
        }

        var run = await runner.RunAsync(request.SpecYaml, Activity, reporter, ct).ConfigureAwait(false);
        return new IstioPrimaryInstallResult(summary.Common.ClusterName, request.ContextName, summary.Common.Namespace, summary.Form, summary.Common.Network,
            summary.Gateways.ToArray(), version.Text, istioctl, runner.ShownArguments, run.ExitCode, run.Duration, request.SpecPath);
    }
}
