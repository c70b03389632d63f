package dev.ward.cli.status;

import dev.ward.agent.datapath.status.DatapathReport;
import dev.ward.agent.datapath.status.DatapathReports;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The node's DNS and L7 proxies, by the ports they registered with its datapath (in its datapath report): a flow that
 * policy redirects to an L7 type with no proxy listening is dropped, so the list says which redirects can work.
 */
final class ProxiesSection implements StatusSection {
    @Override
    public String name() {
        return "proxies";
    }

    @Override
    public Map<String, SectionReport> read(StatusContext context) {
        Map<String, SectionReport> reports = new LinkedHashMap<>();
        for (DatapathReport r : DatapathReports.on(context.store()).all()) {
            String line;
            if (r.datapath().equals("none")) line = "none (proxies are reached through the BPF datapath's redirects: --datapath bpf)";
            else if (r.proxies().isEmpty()) line = "none listening (flows that policy redirects to a proxy are dropped)";
            else line = r.proxies().entrySet().stream().map(e -> e.getKey() + " on port " + e.getValue()).collect(Collectors.joining(", "));
            reports.put(r.node(), new SectionReport(List.of(line), List.of(), r.proxies()));
        }
        return reports;
    }

    @Override
    public SectionReport absent(String node, StatusContext context) {
        return SectionReport.note("unknown (no datapath report)");
    }
}
