package dev.ward.dnsproxy.proxy;

import java.net.InetSocketAddress;

/**
 * Where a query came from and where the pod sent it: the original destination survives the transparent redirect
 * (IP_RECVORIGDSTADDR for UDP, the accepted socket's local address for TCP) and is the server the proxy forwards to.
 */
public record QueryOrigin(InetSocketAddress client, InetSocketAddress server, Transport transport) {}
