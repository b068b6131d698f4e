namespace MeshCluster;

/// <summary>Whether a discovery address is an IP address or a DNS name.</summary>
public enum DiscoveryAddressType
{
    /// <summary>An IPv4 or IPv6 address.</summary>
    IP,
    /// <summary>A DNS name (AWS load balancers give one): the 1.7 guide's form takes it from istioctl 1.15 on, and the remote profile makes an ExternalName Service of it (istio#45014).</summary>
    Hostname,
}

/// <summary>
/// The address at which a remote cluster reaches the primary's discovery server (istiod) through
/// the primary's gateway. Output of Get-IstioDiscoveryAddress; its Address binds to
/// New-IstioRemoteInstallSpec's -RemotePilotAddress.
/// </summary>
public sealed class IstioDiscoveryAddress
{
    /// <summary>Made by Get-IstioDiscoveryAddress.</summary>
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

    /// <summary>Whether <see cref="Address"/> is an IP address or a DNS name.</summary>
    public DiscoveryAddressType AddressType { get; }

    /// <summary>Every ingress entry, in the order the Service's status lists them.</summary>
    public string[] AllAddresses { get; }

    /// <summary>The gateway Service the address was read from.</summary>
    public string ServiceName { get; }
    /// <summary>The gateway Service's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The kubeconfig context of the primary cluster the address was read from.</summary>
    public string Context { get; }

    /// <summary>The address.</summary>
    public override string ToString() => Address;
}
