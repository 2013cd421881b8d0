using System.Net;
using System.Net.Sockets;

namespace Dca.Testing;

/// <summary>Free loopback TCP ports for servers whose routes need their port up front.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
