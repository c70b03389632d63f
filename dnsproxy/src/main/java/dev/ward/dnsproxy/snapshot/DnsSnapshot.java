package dev.ward.dnsproxy.snapshot;

import dev.ward.policy.compute.LocalEndpoint;
import dev.ward.policy.compute.NamedPort;
import dev.ward.policy.identity.Identity;
import dev.ward.policy.label.Label;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the standalone DNS proxy needs to decide DNS rules and compute toFQDNs deltas while the agent is down: the
 * engine's inputs as the agent holds them (policy documents as read from the store, identities, local endpoints with
 * their addresses, cluster named ports) and the pod addresses of the ipcache, so the DNS server a pod asks gets the
 * identity the datapath gives it. The agent writes it ({@link DnsSnapshotFile#write}) whenever one of these changes,
 * with a larger generation each time.
 *
 * @param format     always {@value #FORMAT}
 * @param version    the layout version, {@value #VERSION}
 * @param generation increases with every snapshot the agent writes; the proxy ignores one not newer than its own
 * @param writtenAt  ISO-8601 time of writing, for operators
 * @param cluster    the cluster name the engine runs with
 * @param documents  policy objects (CiliumNetworkPolicy, NetworkPolicy, Service, ...) as YAML or JSON text
 * @param namedPorts the cluster's named ports (egress rules with named ports resolve against them)
 * @param identities the cluster identities the agent knows (reserved ones are implied)
 * @param endpoints  the node's local endpoints: name, identity, pod addresses, named ports
 * @param ipcache    pod addresses elsewhere and their identities (a DNS server pod's identity comes from here)
 * @param proxyPorts the ports of the agent's proxies as its proxy port table lists them ("dns", "http ingress",
 *                   "http egress", ...): what redirect rows the standalone proxy writes into the policy maps point at,
 *                   and which proxy port its own (standby) port stands in for ("dns"). Since version 2; empty in a
 *                   version 1 snapshot
 */
public record DnsSnapshot(String format, int version, long generation, String writtenAt, String cluster,
                          List<Document> documents, Map<String, List<PortEntry>> namedPorts,
                          List<IdentityEntry> identities, List<EndpointEntry> endpoints, List<AddressEntry> ipcache,
                          Map<String, Integer> proxyPorts) {
    public static final String FORMAT = "ward-dns-snapshot";
    /** The layout written. */
    public static final int VERSION = 2;
    /** The oldest layout still read (version 1 has no proxy ports). */
    public static final int OLDEST_READ = 1;
    /** The proxy port table's key of the DNS proxy. */
    public static final String DNS_PROXY = "dns";

    public DnsSnapshot {
        documents = documents == null ? List.of() : List.copyOf(documents);
        namedPorts = namedPorts == null ? Map.of() : Map.copyOf(namedPorts);
        identities = identities == null ? List.of() : List.copyOf(identities);
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        ipcache = ipcache == null ? List.of() : List.copyOf(ipcache);
        proxyPorts = proxyPorts == null ? Map.of() : Map.copyOf(new TreeMap<>(proxyPorts));
    }

    /** A snapshot as the agent writes it, now, without proxy ports (the standalone proxy then writes no redirect rows). */
    public static DnsSnapshot of(long generation, String cluster, List<Document> documents,
                                 Map<String, Set<NamedPort>> namedPorts, Collection<Identity> identities,
                                 List<EndpointEntry> endpoints, List<AddressEntry> ipcache) {
        return of(generation, cluster, documents, namedPorts, identities, endpoints, ipcache, Map.of());
    }

    /**
     * A snapshot as the agent writes it, now, with its proxy ports ({@code ProxyPortTable.ports()}: "dns" -> the DNS
     * proxy's port, "http ingress" -> ...).
     */
    public static DnsSnapshot of(long generation, String cluster, List<Document> documents,
                                 Map<String, Set<NamedPort>> namedPorts, Collection<Identity> identities,
                                 List<EndpointEntry> endpoints, List<AddressEntry> ipcache, Map<String, Integer> proxyPorts) {
        List<IdentityEntry> ids = new ArrayList<>();
        for (Identity i : identities) if (i.prefix() == null && i.id() >= 256) ids.add(IdentityEntry.of(i));
        return new DnsSnapshot(FORMAT, VERSION, generation, java.time.Instant.now().toString(), cluster, documents,
                PortEntry.of(namedPorts), ids, endpoints, ipcache, proxyPorts);
    }

    /**
     * The proxy port redirects of {@code l7Type} in {@code direction} ("ingress"/"egress") go to: the type's port
     * per direction ("http egress") if the agent listed one, else its one port ("dns"), else 0 (none: dropped).
     */
    public int proxyPortFor(String l7Type, String direction) {
        Integer perDirection = proxyPorts.get(l7Type + " " + direction);
        if (perDirection != null) return perDirection;
        return proxyPorts.getOrDefault(l7Type, 0);
    }

    /** One policy object as read from the store; {@code origin} names it in error messages. */
    public record Document(String origin, String text) {}

    public record PortEntry(int port, String protocol) {
        static Map<String, List<PortEntry>> of(Map<String, Set<NamedPort>> ports) {
            Map<String, List<PortEntry>> out = new TreeMap<>();
            ports.forEach((name, set) -> out.put(name, set.stream().map(p -> new PortEntry(p.port(), p.protocol().name())).sorted(
                    java.util.Comparator.comparingInt(PortEntry::port).thenComparing(PortEntry::protocol)).toList()));
            return out;
        }
    }

    /** A cluster identity: its number and labels ({@code k8s:app=web}). */
    public record IdentityEntry(int id, List<String> labels) {
        public static IdentityEntry of(Identity i) {
            return new IdentityEntry(i.id(), i.labels().asList().stream().map(Label::toString).toList());
        }
    }

    public record EndpointEntry(String name, int identity, List<String> addresses, Map<String, List<PortEntry>> namedPorts) {
        public static EndpointEntry of(LocalEndpoint ep, Collection<InetAddress> addresses) {
            return new EndpointEntry(ep.name(), ep.identity().id(),
                    addresses.stream().map(InetAddress::getHostAddress).toList(), PortEntry.of(ep.namedPorts()));
        }
    }

    public record AddressEntry(String address, int identity) {
        public static AddressEntry of(InetAddress a, int identity) {
            return new AddressEntry(a.getHostAddress(), identity);
        }
    }
}
