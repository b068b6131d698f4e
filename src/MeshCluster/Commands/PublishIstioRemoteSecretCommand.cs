using System.Management.Automation;
using MeshCluster.Engine.RemoteSecret;
using MeshCluster.Engine.Naming;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Step 5 of Istio's Add a Remote Cluster guide: <c>istioctl x create-remote-secret --context=CTX_2 --name=CLUSTER_2 | kubectl apply -f - --context=CTX_1</c>.
/// -Context is the remote cluster (whose token is published); -PrimaryContext receives the Secret.
/// </summary>
[Cmdlet(VerbsData.Publish, "IstioRemoteSecret", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ApplySet)]
[OutputType(typeof(IstioRemoteSecret))]
public sealed class PublishIstioRemoteSecretCommand : FanOutCmdlet
{
    private const string ApplySet = "Apply";
    private const string FileSet = "File";

    /// <summary>The remote cluster's name in the mesh: a DNS-1123 label.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ClusterName")]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = null!;

    /// <summary>The primary cluster's context, where the Secret is written.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ApplySet)]
    [Parameter(ParameterSetName = FileSet)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public string? PrimaryContext { get; set; }

    /// <summary>The API server URL istiod should use; default: the remote context's server.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Server { get; set; }

    /// <summary>tls-server-name in the kubeconfig: the name to verify the server's certificate against.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TlsServerName { get; set; }

    /// <summary>The remote service account whose token istiod uses.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ServiceAccount { get; set; } = RemoteSecretNames.DefaultServiceAccount;

    /// <summary>The service account's namespace in the remote and the Secret's namespace in the primary.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = IstioDefaults.Namespace;

    /// <summary>Create the service account and its reader ClusterRole and binding when missing, as istioctl does.</summary>
    [Parameter]
    public SwitchParameter CreateServiceAccount { get; set; }

    /// <summary>Do not prove the new kubeconfig can read the remote cluster before publishing it.</summary>
    [Parameter]
    public SwitchParameter SkipVerify { get; set; }

    /// <summary>Write the Secret as YAML to this file (mode 0600) instead of applying it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FileSet)]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    /// <summary>Use a token secret of MeshCluster's own (<c>&lt;sa&gt;-istio-remote-secret-token</c>) even where Kubernetes lists one (before 1.24).</summary>
    [Parameter]
    public SwitchParameter ForceTokenSecret { get; set; }

    /// <summary>A new token (a new token secret), verified, published, and only then the previous remote secret's token secret deleted.</summary>
    [Parameter(ParameterSetName = ApplySet)]
    public SwitchParameter RotateToken { get; set; }

    /// <summary>A time-bound token from the TokenRequest API, valid this long (at least 10 minutes), instead of a token secret's.</summary>
    [Parameter]
    public TimeSpan? TokenLifetime { get; set; }

    /// <summary>Publish a cluster name istiod would ignore (the primary's own cluster, or one another remote secret claims), with a warning.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private string? _outFilePath;

    /// <inheritdoc />
    protected override void BeginOnPipelineThread()
    {
        base.BeginOnPipelineThread();
        _outFilePath = OutFile is null ? null : GetUnresolvedProviderPathFromPSPath(OutFile);
    }

    private protected override PipelineItem NextItem()
    {
        var request = new RemoteSecretRequest(Name, Namespace, ServiceAccount, Server, TlsServerName, CreateServiceAccount, SkipVerify,
            _outFilePath, ForceTokenSecret ? TokenSecretMode.Created : TokenSecretMode.Auto)
        {
            RotateToken = RotateToken,
            TokenLifetime = TokenLifetime,
            Force = Force,
        };
        var (context, primaryContext) = (Context, PrimaryContext);
        return new(context, async cancellationToken =>
        {
            // Check the arguments before connecting anywhere: a bad one must change nothing.
            RemoteSecretPublisher.Validate(request);
            var remote = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
            var primary = primaryContext is null ? null : await ConnectAsync(primaryContext, cancellationToken).ConfigureAwait(false);
            var result = await RemoteSecretPublisher.PublishAsync(remote, primary, request, ShouldProcessAsync, Reporter, cancellationToken).ConfigureAwait(false);
            if (result is not null) Emit(result);
        });
    }
}
