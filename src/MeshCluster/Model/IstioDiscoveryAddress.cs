namespace MeshCluster;

/// <summary>Whether a discovery address is an IP address or a DNS name.</summary>
public enum DiscoveryAddressType
{
    IP,
    Hostname,
}

/// <summary>
/// The address at which a remote cluster reaches the primary's discovery server (istiod) through
/// the primary's gateway. Output of Get-IstioDiscoveryAddress; its Address binds to
/// New-IstioRemoteInstallSpec's -RemotePilotAddress.
/// </summary>
public sealed class IstioDiscoveryAddress
{
    public IstioDiscoveryAddress(string address, DiscoveryAddressType addressType, IReadOnlyList<string> allAddresses,
        string serviceName, string @namespace, string context)
    {
        Address = address;
        AddressType = addressType;
        AllAddresses = allAddresses.ToArray();
        ServiceName = serviceName;
        Namespace = @namespace;
        Context = context;
    }

    /// <summary>The first load-balancer ingress entry: its IP, else its hostname.</summary>
    public string Address { get; }

    public DiscoveryAddressType AddressType { get; }

    /// <summary>Every ingress entry, in the order the Service's status lists them.</summary>
    public string[] AllAddresses { get; }

    public string ServiceName { get; }
    public string Namespace { get; }

    /// <summary>The kubeconfig context of the primary cluster the address was read from.</summary>
    public string Context { get; }

    public override string ToString() => Address;
}
