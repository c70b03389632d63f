package dev.ward.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.agent.flows.Flow;
import dev.ward.agent.flows.FlowJson;
import dev.ward.agent.flows.FlowPeer;
import dev.ward.agent.flows.FlowType;
import dev.ward.agent.flows.FlowVerdict;
import dev.ward.policy.model.Direction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code wardctl monitor -o json} printed, read back with the agent's own reader ({@link FlowJson}), and the
 * flows a scenario expects to find among them. Lines that are not JSON objects (a {@code kubectl exec} mixes the
 * command's standard error in) are left out; a JSON line that is not a flow fails loudly.
 */
public final class MonitoredFlows {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Flow> flows;

    private MonitoredFlows(List<Flow> flows) {
        this.flows = List.copyOf(flows);
    }

    public static MonitoredFlows parse(String output) {
        List<Flow> flows = new ArrayList<>();
        for (String line : output.lines().map(String::strip).filter(l -> l.startsWith("{")).toList()) {
            try {
                flows.add(FlowJson.fromJson(JSON.readTree(line)));
            } catch (IOException e) {
                throw new UncheckedIOException("wardctl monitor printed a line that is not JSON: " + line, e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("wardctl monitor printed a line that is not a flow (" + e.getMessage() + "): " + line, e);
            }
        }
        return new MonitoredFlows(flows);
    }

    public List<Flow> flows() {
        return flows;
    }

    public Optional<Flow> find(Expected e) {
        return flows.stream().filter(e::matches).findFirst();
    }

    /** One line, as a reader of the check wants it: verdict, direction, 5-tuple, both identities with their labels, reason, rules. */
    public static String describe(Flow f) {
        return f.verdict().wire() + " " + f.direction().lower() + " " + f.protocol() + " " + end(f.source()) + " -> " + end(f.destination())
                + (f.reason() == null ? "" : " reason " + f.reason()) + (f.rules().isEmpty() ? "" : " rules " + f.rules());
    }

    private static String end(FlowPeer p) {
        return (p.address() == null ? "?" : p.address().getHostAddress()) + ":" + p.port() + " (" + (p.endpoint() == null ? "" : p.endpoint() + " ")
                + "identity " + Integer.toUnsignedString(p.identity()) + " " + p.labels() + ")";
    }

    /**
     * An L3/L4 TCP flow into a local endpoint as a check expects it: its verdict, the source pod's address (any source
     * port but 0) and labels, the destination's address, port, labels and endpoint name, both identities known and
     * different, the drop reason (null: it passed, so none), and a rule section that decided it, by its prefix
     * (null: none expected, as for a direction's default deny).
     */
    public record Expected(FlowVerdict verdict, InetAddress from, Map<String, String> fromLabels, InetAddress to, int port,
                           Map<String, String> toLabels, String toEndpoint, String reason, String rulePrefix) {
        public boolean matches(Flow f) {
            FlowPeer s = f.source(), d = f.destination();
            return f.type() == FlowType.L3L4 && f.verdict() == verdict && f.direction() == Direction.INGRESS && f.protocol().equals("TCP")
                    && from.equals(s.address()) && s.port() != 0 && to.equals(d.address()) && d.port() == port
                    && s.identity() != 0 && d.identity() != 0 && s.identity() != d.identity()
                    && hasAll(s, fromLabels) && hasAll(d, toLabels) && toEndpoint.equals(d.endpoint())
                    && java.util.Objects.equals(reason, f.reason())
                    && (rulePrefix == null ? f.rules().isEmpty() : f.rules().stream().anyMatch(r -> r.startsWith(rulePrefix)));
        }

        private static boolean hasAll(FlowPeer p, Map<String, String> labels) {
            return labels.entrySet().stream().allMatch(e -> p.labels().contains("k8s:" + e.getKey() + "=" + e.getValue()));
        }

        public String describe() {
            return verdict.wire() + " ingress TCP " + from.getHostAddress() + " " + labels(fromLabels) + " -> " + to.getHostAddress() + ":" + port
                    + " " + toEndpoint + " " + labels(toLabels) + (reason == null ? "" : " reason " + reason)
                    + (rulePrefix == null ? ", no rule" : ", rule " + rulePrefix + "...");
        }

        private static String labels(Map<String, String> l) {
            return l.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> e.getKey() + "=" + e.getValue()).toList().toString();
        }
    }
}
