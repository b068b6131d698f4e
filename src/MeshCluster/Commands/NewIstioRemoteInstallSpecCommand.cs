using System.Collections;
using System.Management.Automation;
using MeshCluster.Engine.Install;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Step 2 of Istio's Add a Remote Cluster guide: the remote's IstioOperator (install.yaml), returned as an object and, with -Path, written to a file.
/// </summary>
[Cmdlet(VerbsCommon.New, "IstioRemoteInstallSpec", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioRemoteInstallSpec))]
public sealed class NewIstioRemoteInstallSpecCommand : PSCmdlet
{
    // Empty strings are allowed through binding so the engine's validation reports them with a stable id.
    /// <summary>The remote's name in the mesh (values.global.multiCluster.clusterName): a DNS-1123 label.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string ClusterName { get; set; } = string.Empty;

    /// <summary>values.global.network: one network ID for every cluster of a flat network.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Network { get; set; } = string.Empty;

    /// <summary>values.global.meshID: the same for every cluster of the mesh.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string MeshId { get; set; } = string.Empty;

    /// <summary>Binds from Get-IstioDiscoveryAddress's Address.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Address")]
    [AllowEmptyString]
    public string RemotePilotAddress { get; set; } = string.Empty;

    /// <summary>Also write the spec to this file (relative to PowerShell's location).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Overwrite an existing -Path file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Which IstioOperator form: Default (the guide's) or Remote (Istio 1.24+ primary-remote).</summary>
    [Parameter]
    public InstallProfile Profile { get; set; } = InstallProfile.Default;

    /// <summary>-Profile Remote: the primary cluster whose istiod controls the remote (topology.istio.io/controlPlaneClusters): a name, names separated by ',', or *.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PrimaryClusterName { get; set; }

    /// <summary>Extra Helm values, deep-merged under spec.values.</summary>
    [Parameter]
    public Hashtable? Values { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            var parameters = new InstallSpecParameters(ClusterName, Network, MeshId, RemotePilotAddress, Profile,
                Values is null ? null : ValuesConverter.ToPlain(Values), PrimaryClusterName);
            var spec = InstallSpecBuilder.Build(parameters);
            if (Profile == InstallProfile.Remote && PrimaryClusterName is null)
            {
                WriteWarning("Istio 1.24+ primary-remote needs the remote's istio-system annotated topology.istio.io/controlPlaneClusters=<primary cluster>. " +
                             "Give -PrimaryClusterName, and Install-IstioRemote sets it before running istioctl.");
            }

            if (Path is not null)
            {
                // Relative to PowerShell's location, not the process's working folder.
                var path = GetUnresolvedProviderPathFromPSPath(Path);
                InstallSpecFile.CheckWritable(path, Force);
                if (!ShouldProcess(path, $"Write the IstioOperator for cluster '{ClusterName}'"))
                {
                    return;
                }

                spec = InstallSpecFile.Write(spec, path, Force);
                WriteVerbose($"Wrote the IstioOperator for cluster '{ClusterName}' to '{path}'.");
            }

            WriteObject(spec);
        }
        catch (Exception ex)
        {
            ErrorRecords.Report(this, ex);
        }
    }
}
