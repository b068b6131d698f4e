using System.Management.Automation;
using MeshCluster.Engine.KubeConfig;
using MeshCluster.Engine.Primary;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// The "initial configuration" of Istio's multicluster guides: runs istioctl with the primary's IstioOperator (New-IstioPrimaryInstallSpec)
/// against -Context, through the istioctl engine Install-IstioRemote uses, refusing a form this istioctl would not install as meant.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "IstioPrimary", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioPrimaryInstallResult))]
public sealed class InstallIstioPrimaryCommand : IstioctlInstallCmdlet<IstioPrimaryInstallSpec>
{
    private protected override (string Yaml, string? Path) Read(IstioPrimaryInstallSpec spec) => (spec.Yaml, spec.Path);

    private protected override async Task<object?> InstallAsync(string? yaml, string? specPath, string? istioctl, KubeContext context,
        CancellationToken cancellationToken) =>
        await PrimaryInstaller.InstallAsync(new PrimaryInstallRequest(yaml, specPath, istioctl, context.Name, context.Files),
            ShouldProcessAsync, Reporter, cancellationToken).ConfigureAwait(false);
}
