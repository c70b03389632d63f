package dev.ward.agent.datapath.status;

import dev.ward.store.ClusterStore;
import dev.ward.store.NodeRemoval;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What every store of datapath reports must do, run on each real store: a report comes back as written (locked
 * endpoints, refused programs, proxies, time), a write replaces the node's report, a record that is not a report is
 * skipped without hiding the others, and removing the node (the removal {@code wardctl node remove} and keyd run)
 * takes the report away.
 */
abstract class DatapathReportsContract {
    /** The store under test, open. */
    abstract ClusterStore store();

    /** Puts a record under {@code node}'s name that is not {@code node}'s report. */
    abstract void writeForeign(String node, String json);

    static DatapathReport report(String node, int endpoints, Map<String, Integer> proxies) {
        return new DatapathReport(node, "bpf", endpoints, endpoints - 1,
                List.of(new DatapathReport.LockedEndpoint("default/deathstar", List.of("ingress"), "policy-map-full: endpoint default/deathstar: policy map full")),
                Map.of("egress", "BPF program 'from_pod' of ward.o was refused by the kernel's verifier: R0 invalid"), proxies,
                Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void aReportComesBackAsWrittenAndAWriteReplacesIt() {
        DatapathReports reports = DatapathReports.on(store());
        DatapathReport first = report("n1", 3, Map.of("dns", 40053));
        reports.write(first);
        reports.write(report("n2", 2, Map.of()));
        assertEquals(first, reports.all().stream().filter(r -> r.node().equals("n1")).findFirst().orElseThrow());
        assertEquals(Set.of("n1", "n2"), reports.nodes());

        DatapathReport second = new DatapathReport("n1", "bpf", 4, 4, List.of(), Map.of(), Map.of("dns", 40053, "http", 40080), first.updatedAt().plusSeconds(1));
        reports.write(second);
        List<DatapathReport> all = reports.all();
        assertEquals(2, all.size(), all.toString());
        assertEquals(second, all.stream().filter(r -> r.node().equals("n1")).findFirst().orElseThrow());
        assertTrue(second.failsNothingClosed());
    }

    @Test
    void aRecordThatIsNotTheNodesReportIsSkippedAndTheOthersStillRead() {
        DatapathReports reports = DatapathReports.on(store());
        reports.write(report("n1", 1, Map.of()));
        writeForeign("n7", "{\"node\": \"n1\", \"datapath\": \"bpf\", \"updatedAt\": \"2026-01-01T00:00:00Z\"}");
        writeForeign("n8", "{\"node\": \"n8\", \"endpoints\": \"many\"}");
        assertEquals(List.of("n1"), reports.all().stream().map(DatapathReport::node).toList());
    }

    @Test
    void removingTheNodeTakesItsReportAway() {
        DatapathReports reports = DatapathReports.on(store());
        reports.write(report("n1", 1, Map.of()));
        reports.write(report("n2", 1, Map.of()));
        NodeRemoval removal = NodeRemoval.registered();
        assertTrue(removal.kinds().stream().anyMatch(k -> k instanceof DatapathNodeRecords), "META-INF/services lists the datapath report");
        assertTrue(removal.remove(store(), "n1").contains("datapath report"));
        assertEquals(Set.of("n2"), reports.nodes());
        assertEquals(List.of("n2"), reports.all().stream().map(DatapathReport::node).toList());
        assertFalse(reports.remove("n1"), "nothing left to remove");
    }
}
