package dev.ward.cli.dns;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.cli.CliRun;
import dev.ward.dnsproxy.fqdn.FqdnJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FqdnCommandTest {
    @TempDir
    Path dir;

    @Test
    void listsLearnedNamesPerEndpointFromBothJournals() throws Exception {
        long later = System.currentTimeMillis() + 300_000;
        try (FqdnJournal agent = FqdnJournal.open(dir.resolve("agent.jsonl"))) {
            agent.learned("default/web", "api.example.com", List.of(InetAddress.getByName("192.0.2.1"), InetAddress.getByName("192.0.2.2")), later);
            agent.learned("default/web", "old.example.com", List.of(InetAddress.getByName("192.0.2.9")), System.currentTimeMillis() - 1000);
            agent.forgot("default/web", "api.example.com", InetAddress.getByName("192.0.2.2"));
        }
        try (FqdnJournal ha = FqdnJournal.open(dir.resolve("ha.jsonl"))) {
            ha.learned("default/db", "db.example.com", List.of(InetAddress.getByName("2001:db8::7")), later);
        }
        CliRun json = CliRun.wardctl("fqdn", "cache", "--journal", dir.resolve("agent.jsonl").toString(),
                "--journal", dir.resolve("ha.jsonl").toString(), "-o", "json");
        assertEquals(0, json.exit(), json.err());
        JsonNode rows = json.json();
        assertEquals(2, rows.size(), json.out());
        assertEquals("default/db", rows.get(0).get("endpoint").asText());
        assertEquals("2001:db8:0:0:0:0:0:7", rows.get(0).get("addresses").get(0).asText());
        assertEquals("default/web", rows.get(1).get("endpoint").asText());
        assertEquals("api.example.com", rows.get(1).get("name").asText());
        assertEquals(List.of("192.0.2.1"), List.of(rows.get(1).get("addresses").get(0).asText()));

        CliRun table = CliRun.wardctl("fqdn", "cache", "--journal", dir.resolve("agent.jsonl").toString(), "--all", "--endpoint", "default/web");
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().contains("old.example.com") && table.out().contains("expired"), table.out());
    }

    @Test
    void aMissingJournalIsNamed() {
        CliRun r = CliRun.wardctl("fqdn", "cache", "--journal", dir.resolve("nope.jsonl").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("no FQDN journal at " + dir.resolve("nope.jsonl")), r.err());
    }

    @Test
    void theProxyCommandDocumentsItsFlagsAndRejectsBadOnes() {
        CliRun help = CliRun.ward("dnsproxy", "--help");
        assertEquals(0, help.exit());
        for (String flag : List.of("--snapshot", "--port", "--refuse-with", "--min-ttl", "--datapath-timeout", "--rate-limit", "--metrics-address",
                "--datapath", "--bpf-pin-root", "standby port", "10054", "bpf, none"))
            assertTrue(help.out().contains(flag), flag + " missing from help: " + help.out());
        CliRun bad = CliRun.ward("dnsproxy", "--datapath-timeout", "soon");
        assertNotEquals(0, bad.exit());
        assertTrue(bad.err().contains("\"soon\" is not a duration"), bad.err());
        CliRun badDatapath = CliRun.ward("dnsproxy", "--datapath", "tc");
        assertNotEquals(0, badDatapath.exit());
        assertTrue(badDatapath.err().contains("--datapath") && badDatapath.err().contains("tc"), badDatapath.err());
    }

    @Test
    void theBpfDatapathNamesAPinRootWithoutTheAgentsMaps() throws Exception {
        Path snapshot = dir.resolve("dns-snapshot.json");
        java.nio.file.Files.writeString(snapshot, "{\"format\":\"ward-dns-snapshot\",\"version\":2,\"generation\":1,\"cluster\":\"default\","
                + "\"proxyPorts\":{\"dns\":10053}}");
        Path noPins = dir.resolve("dsb-no-pins");
        CliRun r = CliRun.ward("dnsproxy", "--snapshot", snapshot.toString(), "--state-dir", dir.resolve("state").toString(),
                "--agent-journal", dir.resolve("none.jsonl").toString(), "--datapath", "bpf", "--bpf-pin-root", noPins.toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("no ward_endpoints pinned under " + noPins) && r.err().contains("--bpf-pin-root"), r.err());

        CliRun port = CliRun.ward("dnsproxy", "--snapshot", snapshot.toString(), "--port", "0");
        assertNotEquals(0, port.exit());
        assertTrue(port.err().contains("--port 0 is not a port"), port.err());
    }
}
