package dev.ward.lab;

import org.xbill.DNS.Rcode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.List;
import java.util.stream.Stream;

/**
 * The lab JVM's name resolution for the names of {@link #serve}: like a pod's resolver library, it sends a DNS query
 * over UDP to the cluster's DNS server from the network namespace of the thread that asks (a Kafka client's I/O
 * thread runs in its pod's), so the lookup meets the node's DNS proxy exactly as a pod's would. Every other name goes
 * to the JDK's own resolver. Installed for the whole JVM through {@code META-INF/services}.
 */
public final class PodResolver extends InetAddressResolverProvider {
    private record Served(String suffix, InetAddress server) {}

    private static volatile Served served;

    /** From now on, names ending in {@code suffix} are asked of {@code server}:53 from the asking thread's namespace. */
    static void serve(String suffix, InetAddress server) {
        served = new Served(suffix.toLowerCase(java.util.Locale.ROOT), server);
    }

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                Served s = served;
                String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
                if (s == null || !name.toLowerCase(java.util.Locale.ROOT).endsWith(s.suffix())) return builtin.lookupByName(host, policy);
                try {
                    org.xbill.DNS.Message m = DnsScenario.query(null, s.server(), name);
                    List<InetAddress> a = DnsScenario.addresses(m);
                    if (m.getRcode() != Rcode.NOERROR || a.isEmpty()) {
                        throw new UnknownHostException(host + ": " + Rcode.string(m.getRcode()) + " from " + s.server().getHostAddress());
                    }
                    // Named as asked (dnsjava's addresses carry the record's name, with its final dot).
                    List<InetAddress> named = new java.util.ArrayList<>();
                    for (InetAddress x : a) named.add(InetAddress.getByAddress(name, x.getAddress()));
                    return named.stream();
                } catch (IOException | UncheckedIOException e) {
                    throw new UnknownHostException(host + ": " + e.getMessage());
                }
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                return builtin.lookupByAddress(addr);
            }
        };
    }

    @Override
    public String name() {
        return "ward-lab-pod-resolver";
    }
}
