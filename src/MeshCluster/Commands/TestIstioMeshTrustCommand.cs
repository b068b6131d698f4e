using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Naming;
using MeshCluster.Engine.Trust;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// The check that ends the trust step of Istio's Add a Remote Cluster guide: every cluster's cacerts chains to one root, or cross-cluster
/// mTLS fails. One object per cluster; -Quiet gives one boolean.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "IstioMeshTrust", DefaultParameterSetName = StatusSet)]
[OutputType(typeof(IstioMeshTrustStatus), ParameterSetName = new[] { StatusSet })]
[OutputType(typeof(bool), ParameterSetName = new[] { QuietSet })]
public sealed class TestIstioMeshTrustCommand : KubeConfigCmdlet
{
    private const string StatusSet = "Status";
    private const string QuietSet = "Quiet";

    /// <summary>The clusters' contexts (several: that is the point, so this is a KubeConfigCmdlet, not a KubeCmdlet with its one -Context).
    /// Objects with a Context property bind by name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Context { get; set; } = null!;

    /// <summary>Where istiod reads cacerts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = IstioDefaults.Namespace;

    /// <summary>Return only $true (every cluster has sound cacerts of one root) or $false.</summary>
    [Parameter(Mandatory = true, ParameterSetName = QuietSet)]
    public SwitchParameter Quiet { get; set; }

    private readonly List<string> _contexts = new();

    /// <inheritdoc />
    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        // The clusters are compared with each other: gather them all, read them at the end.
        _contexts.AddRange(Context.Where(c => !_contexts.Contains(c, StringComparer.Ordinal)));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        // The clusters are read at once (a slow one does not hold up the others), the report kept in -Context's order.
        const string activity = "Testing the mesh trust";
        Reporter.Progress(activity, $"Reading cacerts in {_contexts.Count} context(s)", 0);
        var readings = await Task.WhenAll(_contexts.Select(context => ReadAsync(context, cancellationToken))).ConfigureAwait(false);
        Reporter.ProgressCompleted(activity);
        var failed = readings.Any(r => r is null);
        var report = MeshTrustInspector.Compare(readings.OfType<ClusterTrustReading>().ToList());
        if (Quiet)
        {
            // Mutual trust, not one root: it holds at every phase of a root rotation done right, and is the same as one root otherwise.
            Emit(!failed && report.Count > 0 && report.All(r => r.MutualTrust));
            return;
        }

        foreach (var status in report) Emit(status);
    }

    /// <summary>One cluster's cacerts; null (with the error written) when the cluster cannot be read: the others are still reported.</summary>
    private async Task<ClusterTrustReading?> ReadAsync(string context, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
            return await MeshTrustInspector.ReadAsync(connection, Namespace, Reporter, cancellationToken).ConfigureAwait(false);
        }
        catch (MeshClusterException ex)
        {
            EmitError(ex);
            return null;
        }
    }
}
