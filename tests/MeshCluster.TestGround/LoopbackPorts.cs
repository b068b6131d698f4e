using System.Net;
using System.Net.Sockets;

namespace MeshCluster.TestGround;

public static class LoopbackPorts
{
    private static readonly HashSet<int> Handed = new();

    /// <summary>A port free on 127.0.0.1 now (bind to :0, read, close); never the same one twice in this process.</summary>
    public static int Free()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Handed)
            {
                if (Handed.Add(port)) return port;
            }
        }
    }
}
