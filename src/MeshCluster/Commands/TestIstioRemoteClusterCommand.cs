using System.Management.Automation;
using MeshCluster.Engine.RemoteSecret;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Naming;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Day two: whether the primary's istiod can use each remote cluster, tested from here with exactly the
/// credentials of its remote secret: format, server, TLS, authentication, authorization, token expiry.
/// An unhealthy remote is a result; errors are for what cannot be tested (primary unreachable, no such cluster).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "IstioRemoteCluster", DefaultParameterSetName = HealthSet)]
[OutputType(typeof(IstioRemoteClusterHealth), ParameterSetName = new[] { HealthSet })]
[OutputType(typeof(bool), ParameterSetName = new[] { QuietSet })]
public sealed class TestIstioRemoteClusterCommand : FanOutCmdlet
{
    private const string HealthSet = "Health";
    private const string QuietSet = "Quiet";

    /// <summary>The primary cluster's context (its remote secrets are tested); default: the kubeconfig's current-context.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("PrimaryContext")]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public override string? Context { get; set; }

    /// <summary>Only these remote clusters (wildcards allowed); default: all.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ClusterName { get; set; }

    /// <summary>istiod's namespace in the primary.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = IstioDefaults.Namespace;

    /// <summary>Only the Secret of this name (bound from Get-IstioRemoteSecret's output).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? SecretName { get; set; }

    /// <summary>The time limit of each check that talks to the remote API server.</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A token expiring within this span gives a warning row (zero: never).</summary>
    [Parameter]
    public TimeSpan ExpiryWarning { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Return one boolean: true when at least one remote was tested and every one is healthy.</summary>
    [Parameter(Mandatory = true, ParameterSetName = QuietSet)]
    public SwitchParameter Quiet { get; set; }

    private int _tested;
    private int _unhealthy;

    private protected override PipelineItem NextItem()
    {
        var (context, selection, options) = (Context, new RemoteSecretSelection(Namespace, ClusterName, SecretName, AsIstiodSeesThem: true), new RemoteClusterTestOptions(Timeout, ExpiryWarning));
        var (quiet, parallel) = (Quiet.IsPresent, ThrottleLimit);
        return new(context, async cancellationToken =>
        {
            options.Validate();

            RemoteClusterTestResult result;
            try
            {
                var primary = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
                // The remotes of one primary are checked -ThrottleLimit at a time too, each written as soon as it is known.
                result = await RemoteClusterTester.TestAsync(primary, selection, options, parallel, health =>
                {
                    Interlocked.Increment(ref _tested);
                    if (!health.Healthy) Interlocked.Increment(ref _unhealthy);
                    if (!quiet) Emit(health);
                }, Reporter, cancellationToken).ConfigureAwait(false);
            }
            catch (MeshClusterException)
            {
                // A primary that cannot be read: nothing of it was tested, so -Quiet cannot say all is well.
                Interlocked.Increment(ref _unhealthy);
                throw;
            }

            foreach (var missing in result.NotFound)
            {
                Interlocked.Increment(ref _unhealthy);
                EmitError(missing);
            }
        });
    }

    /// <inheritdoc />
    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        if (Quiet) Emit(Volatile.Read(ref _tested) > 0 && Volatile.Read(ref _unhealthy) == 0);
        return Task.CompletedTask;
    }
}
