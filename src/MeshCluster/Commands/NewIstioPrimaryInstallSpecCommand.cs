using System.Collections;
using System.Management.Automation;
using MeshCluster.Engine.Install;
using MeshCluster.Engine.Primary;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// The "initial configuration" of Istio's multicluster guides: the primary's IstioOperator (ExternalIstiod, Istio 1.8+, optionally with the
/// east-west gateway; or MeshExpansion, Istio 1.7's guide), or with -EastWestGatewayOnly the east-west gateway alone, as
/// samples/multicluster/gen-eastwest-gateway.sh emits it. Returned as an object and, with -Path, written to a file.
/// </summary>
[Cmdlet(VerbsCommon.New, "IstioPrimaryInstallSpec", DefaultParameterSetName = ControlPlaneSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioPrimaryInstallSpec))]
public sealed class NewIstioPrimaryInstallSpecCommand : PSCmdlet
{
    /// <summary>The parameter set of the primary's control plane (with or without the east-west gateway).</summary>
    public const string ControlPlaneSet = "ControlPlane";

    /// <summary>The parameter set of the east-west gateway alone, for a primary that is already installed.</summary>
    public const string GatewaySet = "EastWestGatewayOnly";

    // Empty strings are allowed through binding so the engine's validation reports them with a stable id.
    /// <summary>The primary's name in the mesh (values.global.multiCluster.clusterName): a DNS-1123 label.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ControlPlaneSet)]
    [AllowEmptyString]
    public string ClusterName { get; set; } = string.Empty;

    /// <summary>values.global.network; also the east-west gateway's topology.istio.io/network label.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Network { get; set; } = string.Empty;

    /// <summary>values.global.meshID: the same for every cluster of the mesh.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ControlPlaneSet)]
    [AllowEmptyString]
    public string MeshId { get; set; } = string.Empty;

    /// <summary>ExternalIstiod (default; Istio 1.8 and later) or MeshExpansion (Istio 1.7's guide, istioctl 1.7-1.8).</summary>
    [Parameter(ParameterSetName = ControlPlaneSet)]
    public PrimaryInstallForm Form { get; set; } = PrimaryInstallForm.ExternalIstiod;

    /// <summary>Also install the east-west gateway (ExternalIstiod only).</summary>
    [Parameter(ParameterSetName = ControlPlaneSet)]
    public SwitchParameter EastWestGateway { get; set; }

    /// <summary>Only the east-west gateway (profile: empty), for a primary whose istiod is already installed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = GatewaySet)]
    public SwitchParameter EastWestGatewayOnly { get; set; }

    /// <summary>Also write the spec to this file (relative to PowerShell's location).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Overwrite an existing -Path file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Extra Helm values, deep-merged under spec.values.</summary>
    [Parameter]
    public Hashtable? Values { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        try
        {
            var controlPlane = ParameterSetName == ControlPlaneSet;
            var parameters = new PrimaryInstallSpecParameters(controlPlane ? ClusterName : null, Network, controlPlane ? MeshId : null, Form,
                controlPlane, EastWestGateway.IsPresent, Values is null ? null : ValuesConverter.ToPlain(Values));
            var spec = PrimaryInstallSpecBuilder.Build(parameters);
            if (controlPlane && Form == PrimaryInstallForm.ExternalIstiod && !EastWestGateway)
            {
                WriteVerbose("Remotes reach this istiod through an east-west gateway: add -EastWestGateway, or make its spec later with -EastWestGatewayOnly.");
            }

            if (Path is not null)
            {
                // Relative to PowerShell's location, not the process's working folder.
                var path = GetUnresolvedProviderPathFromPSPath(Path);
                InstallSpecFile.CheckWritable(path, Force);
                if (!ShouldProcess(path, $"Write the primary's IstioOperator ({Describe(spec)})"))
                {
                    return;
                }

                spec = PrimaryInstallSpecBuilder.Write(spec, path, Force);
                WriteVerbose($"Wrote the primary's IstioOperator ({Describe(spec)}) to '{path}'.");
            }

            WriteObject(spec);
        }
        catch (Exception ex)
        {
            ErrorRecords.Report(this, ex);
        }
    }

    private static string Describe(IstioPrimaryInstallSpec spec) =>
        !spec.ControlPlane ? $"east-west gateway, network '{spec.Network}'"
        : $"cluster '{spec.ClusterName}', {spec.Form}{(spec.EastWestGateway ? " with the east-west gateway" : string.Empty)}";
}
