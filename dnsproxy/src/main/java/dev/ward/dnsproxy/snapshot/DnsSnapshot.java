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
 */
public record DnsSnapshot(String format, int version, long generation, String writtenAt, String cluster,
                          List<Document> documents, Map<String, List<PortEntry>> namedPorts,
                          List<IdentityEntry> identities, List<EndpointEntry> endpoints, List<AddressEntry> ipcache) {
    public static final String FORMAT = "ward-dns-snapshot";
    public static final int VERSION = 1;

    public DnsSnapshot {
        documents = documents == null ? List.of() : List.copyOf(documents);
        namedPorts = namedPorts == null ? Map.of() : Map.copyOf(namedPorts);
        identities = identities == null ? List.of() : List.copyOf(identities);
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        ipcache = ipcache == null ? List.of() : List.copyOf(ipcache);
    }

    /** A snapshot as the agent writes it, now. */
    public static DnsSnapshot of(long generation, String cluster, List<Document> documents,
                                 Map<String, Set<NamedPort>> namedPorts, Collection<Identity> identities,
                                 List<EndpointEntry> endpoints, List<AddressEntry> ipcache) {
        List<IdentityEntry> ids = new ArrayList<>();
        for (Identity i : identities) if (i.prefix() == null && i.id() >= 256) ids.add(IdentityEntry.of(i));
        return new DnsSnapshot(FORMAT, VERSION, generation, java.time.Instant.now().toString(), cluster, documents,
                PortEntry.of(namedPorts), ids, endpoints, ipcache);
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
