using System.Management.Automation;
using MeshCluster.Engine.KubeConfig;
using MeshCluster.Engine.Install;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Step 3 of Istio's Add a Remote Cluster guide: runs istioctl (manifest apply before 1.7, install from 1.7) against the remote's -Context.
/// A Remote-profile spec that names its primary first gets the remote's namespace annotated topology.istio.io/controlPlaneClusters.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "IstioRemote", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioRemoteInstallResult))]
public sealed class InstallIstioRemoteCommand : IstioctlInstallCmdlet<IstioRemoteInstallSpec>
{
    private protected override (string Yaml, string? Path) Read(IstioRemoteInstallSpec spec) => (spec.Yaml, spec.Path);

    private protected override async Task<object?> InstallAsync(string? yaml, string? specPath, string? istioctl, KubeContext context,
        CancellationToken cancellationToken)
    {
        var request = new RemoteInstallRequest(yaml, specPath, istioctl, context.Name, context.Files);

        // A spec naming its primary (profile Remote) has the remote's namespace annotated first: only then is a client made.
        return await RemoteInstaller.InstallAsync(request, ShouldProcessAsync, Reporter, cancellationToken,
            async (ns, primary, ct) => await ControlPlaneClustersAnnotation.EnsureAsync(await ConnectAsync(context.Name, ct).ConfigureAwait(false), ns, primary, Reporter, ct)
                .ConfigureAwait(false)).ConfigureAwait(false);
    }
}
