package dev.ward.cli.status;

import dev.ward.agent.datapath.status.DatapathReport;
import dev.ward.agent.datapath.status.DatapathReports;
import dev.ward.agent.ipcache.EndpointRecords;
import dev.ward.cli.identity.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The node's datapath as its agent last reported it: endpoints held, enforced and failed closed, programs the
 * verifier refused. Unhealthy: an endpoint failed closed (its traffic is dropped whatever the policy says), a refused
 * program (a direction drops everything), a report older than {@code --stale-after} (its agent stopped writing it),
 * or no report from a node that publishes endpoints.
 */
final class DatapathSection implements StatusSection {
    private final Set<String> publishing = new HashSet<>();

    @Override
    public String name() {
        return "datapath";
    }

    @Override
    public Map<String, SectionReport> read(StatusContext context) {
        try (EndpointRecords endpoints = EndpointRecords.on(context.store())) {
            publishing.addAll(endpoints.nodes());
        }
        Map<String, SectionReport> reports = new LinkedHashMap<>();
        for (DatapathReport r : DatapathReports.on(context.store()).all()) reports.put(r.node(), report(r, context));
        return reports;
    }

    @Override
    public SectionReport absent(String node, StatusContext context) {
        if (context.revoked(node)) return SectionReport.note("none (revoked)");
        if (publishing.contains(node)) return SectionReport.problem("it publishes endpoints, but reports no datapath");
        return SectionReport.note("not running (the agent runs without --api-socket)");
    }

    private static SectionReport report(DatapathReport r, StatusContext context) {
        List<String> lines = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Duration age = Duration.between(r.updatedAt(), context.now()).withNanos(0);
        String held = r.endpoints() + " endpoint" + (r.endpoints() == 1 ? "" : "s");
        String summary = r.datapath().equals("none")
                ? "none: " + held + ", policy computed but not enforced (--datapath none)"
                : r.datapath() + ": " + held + ", " + r.enforced() + " enforced, " + r.locked().size() + " failed closed";
        lines.add(summary + "; reported " + Durations.format(age.isNegative() ? Duration.ZERO : age) + " ago");
        for (DatapathReport.LockedEndpoint l : r.locked()) {
            String directions = String.join(" and ", l.directions());
            lines.add("failed closed: " + l.name() + " (" + directions + "): " + l.reason());
            problems.add("endpoint " + l.name() + " is failed closed: its " + directions + " traffic is dropped (" + l.reason() + ")");
        }
        r.refusedPrograms().forEach((direction, why) -> {
            lines.add("refused program (" + direction + "): " + why);
            problems.add("the verifier refused its " + direction + " program: every endpoint's " + direction + " traffic is dropped");
        });
        if (age.compareTo(context.reportMaxAge()) > 0) {
            problems.add("its report is " + Durations.format(age) + " old (over " + Durations.format(context.reportMaxAge())
                    + "): its agent is not running or cannot write to the store");
        }
        return new SectionReport(lines, problems, r);
    }
}
