package dev.ward.dnsproxy.policy;

import java.net.InetAddress;

/**
 * The security identity the datapath gives a remote address (its ipcache): how the proxy finds which policy rows
 * apply to the DNS server a pod asked. Called for every query, from I/O threads: implementations are thread-safe and
 * do not block. The agent implements it over its ipcache; the standalone proxy over its snapshot ({@link IpcacheView}).
 */
public interface AddressIdentities {
    int identityOf(InetAddress address);
}
