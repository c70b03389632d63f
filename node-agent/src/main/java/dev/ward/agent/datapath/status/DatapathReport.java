package dev.ward.agent.datapath.status;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one node's agent reports about its datapath and proxies, for {@code wardctl status}: written when any of it
 * changes and at least every {@link DatapathReporter#HEARTBEAT}, so a report older than that tells of an agent that
 * stopped. Packet counters and map fill levels are not in it (they change all the time: Prometheus has them).
 *
 * @param datapath        {@code bpf} or {@code none} ({@code ward agent --datapath})
 * @param endpoints       the endpoints the datapath holds
 * @param enforced        of those, the ones whose policy is enforced in at least one direction
 * @param locked          the endpoints failed closed, with the directions whose traffic is dropped and why
 * @param refusedPrograms the directions whose program the verifier refused (every packet in them is dropped), with its message
 * @param proxies         the ports the node's proxies listen on, by L7 type ("dns"), or by type and direction ("http ingress")
 */
public record DatapathReport(String node, String datapath, int endpoints, int enforced, List<LockedEndpoint> locked,
                             Map<String, String> refusedPrograms, Map<String, Integer> proxies, Instant updatedAt) {
    /** @param reason the failure that locked it, or why none is known */
    public record LockedEndpoint(String name, List<String> directions, String reason) {
        public LockedEndpoint {
            directions = List.copyOf(directions);
        }
    }

    public DatapathReport {
        locked = locked == null ? List.of() : List.copyOf(locked);
        refusedPrograms = refusedPrograms == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(refusedPrograms));
        proxies = proxies == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(proxies));
    }

    /** Nothing is dropped that policy would not drop: no endpoint failed closed, no program refused. */
    public boolean failsNothingClosed() {
        return locked.isEmpty() && refusedPrograms.isEmpty();
    }

    /** Equal in everything but the time of the report: no need to write it again. */
    public boolean sameStateAs(DatapathReport other) {
        return other != null && at(updatedAt).equals(other.at(updatedAt));
    }

    public DatapathReport at(Instant when) {
        return new DatapathReport(node, datapath, endpoints, enforced, locked, refusedPrograms, proxies, when);
    }
}
