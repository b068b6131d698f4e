using System.Management.Automation;
using MeshCluster.Engine.RemoteSecret;
using MeshCluster.Engine.Naming;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Day two: the remote secrets of a primary (Secrets labelled istio/multiCluster=true in istiod's
/// namespace), read as istiod reads them, with what is wrong listed, never thrown. No token is shown.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IstioRemoteSecret")]
[OutputType(typeof(IstioRemoteSecretInfo))]
public sealed class GetIstioRemoteSecretCommand : FanOutCmdlet
{
    /// <summary>The primary cluster's context; default: the kubeconfig's current-context.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("PrimaryContext")]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public override string? Context { get; set; }

    /// <summary>Only these remote clusters (wildcards allowed); a name without wildcards that matches nothing is RemoteSecretNotFound.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ClusterName { get; set; }

    /// <summary>istiod's namespace in the primary.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = IstioDefaults.Namespace;

    private protected override PipelineItem NextItem()
    {
        var (context, selection) = (Context, new RemoteSecretSelection(Namespace, ClusterName, AsIstiodSeesThem: true));
        return new(context, async cancellationToken =>
        {
            var primary = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
            var found = await RemoteSecretReader.FindAsync(primary, selection, Reporter, cancellationToken).ConfigureAwait(false);
            foreach (var entry in found.Entries) Emit(entry.Info);
            foreach (var missing in found.NotFound) EmitError(missing);
        });
    }
}
