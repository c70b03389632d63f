package dev.ward.cli.status;

import dev.ward.agent.encryption.store.EncryptionStatus;
import dev.ward.agent.encryption.store.EncryptionStore;
import dev.ward.agent.encryption.store.EncryptionStores;
import dev.ward.cli.identity.Durations;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Transparent encryption as each node's agent last reported it: the peers it encrypts to, the peers it refused, the
 * kernel's xfrm error counters. Unhealthy: a refused peer (unless that peer is revoked: refusing it is the point),
 * a kernel that refused the agent's SAs, a node others encrypt to that reports nothing, or an announcement without
 * a status.
 */
final class EncryptionSection implements StatusSection {
    private final Set<String> expectedByPeers = new HashSet<>();
    private final Set<String> announced = new HashSet<>();

    @Override
    public String name() {
        return "encryption";
    }

    @Override
    public Map<String, SectionReport> read(StatusContext context) {
        Map<String, SectionReport> reports = new LinkedHashMap<>();
        try (EncryptionStore store = EncryptionStores.on(context.store(), false, Clock.systemUTC())) {
            store.announcements().forEach(a -> announced.add(a.node()));
            for (EncryptionStatus s : store.statuses()) {
                if (!s.revoked()) expectedByPeers.addAll(s.peers());
                reports.put(s.node(), report(s, context));
            }
        }
        return reports;
    }

    @Override
    public SectionReport absent(String node, StatusContext context) {
        if (context.revoked(node)) return SectionReport.note("none (revoked)");
        if (expectedByPeers.contains(node)) return SectionReport.problem("its peers encrypt to it, but it reports no encryption status");
        if (announced.contains(node)) return SectionReport.problem("it announces itself for encryption, but reports no status");
        return SectionReport.note("not running (the agent runs without --underlay-ip)");
    }

    private static SectionReport report(EncryptionStatus s, StatusContext context) {
        List<String> problems = new ArrayList<>();
        Map<String, String> refused = new LinkedHashMap<>();
        s.refusedPeers().forEach((peer, why) -> {
            if (!context.revoked(peer)) refused.put(peer, why);
        });
        refused.forEach((peer, why) -> problems.add("refuses peer " + peer + ": " + why));
        if (s.sasInstalled() < 0) problems.add("the kernel refused part of its SAs (the agent retries)");
        long errors = s.xfrmErrors().values().stream().mapToLong(Long::longValue).sum();
        List<String> lines = new ArrayList<>();
        if (s.revoked()) {
            lines.add("revoked: it cut itself off");
        } else {
            lines.add("epoch " + s.epoch() + ", encrypts to " + s.encryptedPeers().size() + "/" + s.peers().size() + " peers"
                    + (s.peers().isEmpty() ? "" : " (" + String.join(", ", s.encryptedPeers()) + ")")
                    + (s.pendingAcks().isEmpty() ? "" : ", waiting for " + String.join(", ", s.pendingAcks()) + " to acknowledge"));
        }
        lines.add("refused peers: " + (s.refusedPeers().isEmpty() ? "none" : String.join(", ", s.refusedPeers().keySet()))
                + "; xfrm errors: " + errors + (errors == 0 ? "" : " (" + s.xfrmErrors().entrySet().stream().filter(e -> e.getValue() != 0)
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")) + ")")
                + (s.updatedAt() == null ? "" : "; reported " + Durations.format(Duration.between(s.updatedAt(), context.now()).withNanos(0)) + " ago"));
        return new SectionReport(lines, problems, s);
    }
}
