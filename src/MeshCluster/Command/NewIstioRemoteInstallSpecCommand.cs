using System.Collections;
using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// Seed step 2: the remote's IstioOperator (install.yaml), returned as an object and, with -Path, written to a file.
/// </summary>
[Cmdlet(VerbsCommon.New, "IstioRemoteInstallSpec", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(IstioRemoteInstallSpec))]
public sealed class NewIstioRemoteInstallSpecCommand : PSCmdlet
{
    // Empty strings are allowed through binding so the engine's validation reports them with a stable id.
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string ClusterName { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Network { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string MeshId { get; set; } = string.Empty;

    /// <summary>Binds from Get-IstioDiscoveryAddress's Address.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Address")]
    [AllowEmptyString]
    public string RemotePilotAddress { get; set; } = string.Empty;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateSet("Default", "Remote")]
    public string Profile { get; set; } = "Default";

    /// <summary>Extra Helm values, deep-merged under spec.values.</summary>
    [Parameter]
    public Hashtable? Values { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var profile = string.Equals(Profile, "Remote", StringComparison.OrdinalIgnoreCase) ? InstallProfile.Remote : InstallProfile.Default;
            var parameters = new InstallSpecParameters(ClusterName, Network, MeshId, RemotePilotAddress, profile,
                Values is null ? null : ToPlain(Values));
            var text = InstallSpecBuilder.Build(parameters);

            string? path = null;
            if (Path is not null)
            {
                // Relative to PowerShell's location, not the process's working folder.
                path = GetUnresolvedProviderPathFromPSPath(Path);
                InstallSpecFile.CheckWritable(path, Force);
                if (!ShouldProcess(path, $"Write the IstioOperator for cluster '{ClusterName}'"))
                {
                    return;
                }

                InstallSpecFile.Write(path, text.Yaml, Force);
                WriteVerbose($"Wrote the IstioOperator for cluster '{ClusterName}' to '{path}'.");
            }

            WriteObject(new IstioRemoteInstallSpec(ClusterName, Network, MeshId, RemotePilotAddress,
                profile.ToString(), text.Namespace, path, text.Yaml));
        }
        catch (MeshClusterException ex)
        {
            var record = AsyncCmdlet.ToErrorRecord(ex);
            if (ex.Terminating) ThrowTerminatingError(record);
            WriteError(record);
        }
    }

    /// <summary>PowerShell's hashtables and wrapped objects as plain .NET values, for the engine.</summary>
    private static IReadOnlyDictionary<string, object?> ToPlain(IDictionary table)
    {
        var map = new ValueMap();
        foreach (DictionaryEntry entry in table)
        {
            map[Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty] = ToPlainValue(entry.Value);
        }

        return map;
    }

    private static object? ToPlainValue(object? value)
    {
        if (value is PSObject pso)
        {
            if (pso.BaseObject is PSCustomObject)
            {
                var map = new ValueMap();
                foreach (var property in pso.Properties) map[property.Name] = ToPlainValue(property.Value);
                return map;
            }

            value = pso.BaseObject;
        }

        return value switch
        {
            IDictionary d => ToPlain(d),
            string s => s,
            IEnumerable list => list.Cast<object?>().Select(ToPlainValue).ToList(),
            _ => value,
        };
    }
}
