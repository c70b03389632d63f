package dev.ward.cli.status;

import dev.ward.cli.identity.Durations;
import dev.ward.keyd.IssuedSvid;
import dev.ward.keyd.NodeRecord;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The node's SVID as keyd recorded it: serial, CA, time left, revocation. */
final class IdentitySection implements StatusSection {
    record Details(String state, String serial, String ca, java.time.Instant notAfter, Long secondsLeft) {}

    @Override
    public String name() {
        return "identity";
    }

    @Override
    public Map<String, SectionReport> read(StatusContext context) {
        Map<String, SectionReport> reports = new LinkedHashMap<>();
        for (NodeRecord r : context.nodeRecords().values()) {
            IssuedSvid current = r.current().orElse(null);
            if (r.revoked()) {
                reports.put(r.node(), new SectionReport(List.of("revoked at " + r.revokedAt() + ": cut off from every node"), List.of(),
                        details(r, "revoked", current, context)));
            } else if (current != null && current.liveAt(context.now())) {
                Duration left = Duration.between(context.now(), current.notAfter());
                String line = "SVID " + current.serial().toString(16) + " from CA " + current.caId() + ", expires in " + Durations.format(left.withNanos(0));
                List<String> problems = left.compareTo(context.svidWarning()) < 0
                        ? List.of("its SVID expires in " + Durations.format(left.withNanos(0)) + " (under " + Durations.format(context.svidWarning())
                                + "): renewal is failing") : List.of();
                reports.put(r.node(), new SectionReport(List.of(line), problems, details(r, "active", current, context)));
            }
            // A record whose SVID expired and that nothing else reports is a node that left: not listed (absent() covers the rest).
        }
        return reports;
    }

    @Override
    public SectionReport absent(String node, StatusContext context) {
        NodeRecord r = context.nodeRecords().get(node);
        return SectionReport.problem(r == null ? "keyd has no record of it: it holds no SVID" : "no live SVID (its last expired)");
    }

    private static Details details(NodeRecord r, String state, IssuedSvid current, StatusContext context) {
        if (current == null) return new Details(state, null, null, null, null);
        return new Details(state, current.serial().toString(16), current.caId(), current.notAfter(),
                Math.max(0, Duration.between(context.now(), current.notAfter()).toSeconds()));
    }
}
