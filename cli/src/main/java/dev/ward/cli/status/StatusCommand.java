package dev.ward.cli.status;

import dev.ward.cli.CommandFailure;
import dev.ward.cli.Examples;
import dev.ward.cli.OutputOption;
import dev.ward.cli.identity.Durations;
import dev.ward.cli.identity.StoreOptions;
import dev.ward.keyd.NodeRecord;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.store.ClusterStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code wardctl status}: one screen per node with every part of Ward ({@link StatusSections}), and an exit status
 * that says whether the cluster is healthy, for scripts and probes.
 */
@Command(name = "status", description = {
        "Show each node's state: identity (SVID and its expiry), encryption (peers, refused peers, xfrm errors),",
        "datapath (endpoints enforced and failed closed, refused programs) and proxies (their ports by L7 type).",
        "Exits 1 when a node is unhealthy: its SVID expired or expires within --svid-warning, it refuses a peer that is",
        "not revoked, its kernel refused its SAs, or it reports no status while it announces itself or peers encrypt to it;",
        "an endpoint is failed closed, the verifier refused a program, its datapath report is older than --stale-after,",
        "or it publishes endpoints but reports no datapath."},
        footerHeading = Examples.HEADING, footer = {
                "  wardctl status --store k8s",
                "  wardctl status worker-1 worker-2 --store etcd://10.0.0.1:2379",
                "  wardctl status -o json --store k8s | jq '.nodes[] | select(.healthy | not)'"})
public final class StatusCommand implements Runnable {
    @Mixin StoreOptions store;
    @Mixin OutputOption out;

    @Parameters(paramLabel = "NODE", arity = "0..*", description = "Only these nodes (default: every node).")
    List<String> only = new ArrayList<>();

    @Option(names = "--svid-warning", defaultValue = "1h", converter = Durations.class, paramLabel = "DURATION",
            description = "An SVID with less than this left is a problem (agents renew at half the lifetime; default: ${DEFAULT-VALUE}).")
    Duration svidWarning;

    @Option(names = "--stale-after", defaultValue = "15m", converter = Durations.class, paramLabel = "DURATION",
            description = "A datapath report older than this is a problem: its agent stopped (agents rewrite it every 5m; default: ${DEFAULT-VALUE}).")
    Duration staleAfter;

    /** One node's report: {@code sections} by name, in display order. */
    public record NodeStatus(String node, boolean healthy, List<String> problems, Map<String, Object> sections) {}

    public record ClusterStatus(boolean healthy, List<NodeStatus> nodes) {}

    @Override
    public void run() {
        List<StatusSection> sections = StatusSections.all();
        ClusterStatus status;
        try (ClusterStore s = store.connect(); IdentityStore identities = store.on(s)) {
            Map<String, NodeRecord> records = new TreeMap<>();
            identities.nodes().list().readable().forEach(r -> records.put(r.node(), r));
            StatusContext context = new StatusContext(s, Clock.systemUTC().instant(), svidWarning, records, staleAfter);
            status = collect(sections, context);
        }
        if (out.json()) System.out.println(OutputOption.toJson(status));
        else System.out.print(render(sections, status));
        if (status.nodes().isEmpty()) throw new CommandFailure(only.isEmpty() ? "no node has an identity or reports a status" : "no such node: " + only);
        List<String> unhealthy = status.nodes().stream().filter(n -> !n.healthy()).map(n -> n.node() + " (" + String.join("; ", n.problems()) + ")").toList();
        if (!unhealthy.isEmpty()) throw new CommandFailure("unhealthy: " + String.join(", ", unhealthy));
    }

    private ClusterStatus collect(List<StatusSection> sections, StatusContext context) {
        Map<String, Map<String, SectionReport>> read = new LinkedHashMap<>();
        TreeSet<String> nodes = new TreeSet<>();
        for (StatusSection section : sections) {
            Map<String, SectionReport> reports = section.read(context);
            read.put(section.name(), reports);
            nodes.addAll(reports.keySet());
        }
        if (!only.isEmpty()) nodes.retainAll(only);
        List<NodeStatus> out = new ArrayList<>();
        for (String node : nodes) {
            List<String> problems = new ArrayList<>();
            Map<String, Object> bySection = new LinkedHashMap<>();
            for (StatusSection section : sections) {
                SectionReport r = read.get(section.name()).get(node);
                if (r == null) r = section.absent(node, context);
                r.problems().forEach(p -> problems.add(section.name() + ": " + p));
                bySection.put(section.name(), r);
            }
            out.add(new NodeStatus(node, problems.isEmpty(), problems, bySection));
        }
        return new ClusterStatus(!out.isEmpty() && out.stream().allMatch(NodeStatus::healthy), out);
    }

    static String render(List<StatusSection> sections, ClusterStatus status) {
        int width = sections.stream().mapToInt(s -> s.name().length()).max().orElse(0) + 2;
        StringBuilder sb = new StringBuilder();
        for (NodeStatus n : status.nodes()) {
            if (!sb.isEmpty()) sb.append('\n');
            sb.append("Node ").append(n.node()).append(": ").append(n.healthy() ? "healthy" : "UNHEALTHY").append('\n');
            for (StatusSection section : sections) {
                SectionReport r = (SectionReport) n.sections().get(section.name());
                for (int i = 0; i < r.lines().size(); i++) {
                    sb.append("  ").append(i == 0 ? pad(section.name(), width) : " ".repeat(width)).append(r.lines().get(i)).append('\n');
                }
            }
            for (String p : n.problems()) sb.append("  ! ").append(p).append('\n');
        }
        return sb.toString();
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }
}
