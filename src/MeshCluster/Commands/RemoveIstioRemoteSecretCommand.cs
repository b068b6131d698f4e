using System.Management.Automation;
using MeshCluster.Engine.RemoteSecret;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Naming;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Day two: takes remote clusters out of the mesh by deleting their remote secrets from the primary;
/// with -RevokeToken also the token secret MeshCluster created for each in the remote cluster.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "IstioRemoteSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = RemoveSet)]
[OutputType(typeof(IstioRemoteSecretRemoval))]
public sealed class RemoveIstioRemoteSecretCommand : FanOutCmdlet
{
    private const string RemoveSet = "Remove";
    private const string RevokeSet = "Revoke";

    /// <summary>The primary cluster's context. Required: removing from whatever cluster is current would be a guess.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PrimaryContext")]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public override string? Context { get; set; }

    /// <summary>The remote clusters to take out (no wildcards: pipe Get-IstioRemoteSecret for patterns).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] ClusterName { get; set; } = Array.Empty<string>();

    /// <summary>istiod's namespace in the primary.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = IstioDefaults.Namespace;

    /// <summary>Only the Secret of this name (bound from Get-IstioRemoteSecret's output).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? SecretName { get; set; }

    /// <summary>The remote cluster's context, where the token secret is deleted.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RevokeSet)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public string? RemoteContext { get; set; }

    /// <summary>Also delete the token secret MeshCluster created for the cluster, so its token stops working.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RevokeSet)]
    public SwitchParameter RevokeToken { get; set; }

    /// <summary>Return what was removed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private protected override PipelineItem NextItem()
    {
        var (context, remoteContext, names, ns, secretName, revoke, passThru) = (Context, RemoteContext, ClusterName.ToArray(), Namespace, SecretName, RevokeToken.IsPresent, PassThru.IsPresent);
        return new(context, async cancellationToken =>
        {
            var primary = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
            var remote = revoke ? await ConnectAsync(remoteContext, cancellationToken).ConfigureAwait(false) : null;
            foreach (var name in names)
            {
                try
                {
                    var removed = await RemoteSecretRemover.RemoveAsync(primary, remote, new RemoteSecretRemovalRequest(ns, name, secretName, revoke),
                        ShouldProcessAsync, Reporter, cancellationToken).ConfigureAwait(false);
                    if (passThru)
                    {
                        foreach (var removal in removed) Emit(removal);
                    }
                }
                catch (MeshClusterException ex) when (!ex.Terminating)
                {
                    // One missing name must not stop the others.
                    EmitError(ex);
                }
            }
        });
    }
}
