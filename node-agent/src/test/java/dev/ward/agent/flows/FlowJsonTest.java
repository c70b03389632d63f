package dev.ward.agent.flows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The one JSON form of a flow (flow log line, API answer, monitor -o json), and reading it back. */
class FlowJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyTypeComesBackAsItWasWritten() {
        for (Flow f : List.of(Flows.l3l4(FlowVerdict.DROPPED, Direction.INGRESS, "10.244.1.6", 41000, 1001, "10.244.1.10", 80, 1002, "policy_default_deny"),
                Flows.l3l4(FlowVerdict.FORWARDED, Direction.EGRESS, "fd00::1", 41000, 1001, "fd00::2", 80, 1002, null),
                Flows.dns("api.example.com", FlowVerdict.FORWARDED, null), Flows.l7("/v1/request-landing", FlowVerdict.DROPPED))) {
            String line = FlowJson.toLine(f);
            assertFalse(line.contains("\n"), line);
            assertEquals(f, FlowJson.fromJson(read(line)), line);
        }
    }

    @Test
    void theFieldsOperatorsReadAreNamedAsTheReadmeSays() {
        JsonNode n = read(FlowJson.toLine(Flows.l3l4(FlowVerdict.DROPPED, Direction.INGRESS, "10.244.1.6", 41000, 1001, "10.244.1.10", 80,
                16777217, "policy_default_deny")));
        assertEquals("l3l4", n.get("type").asText());
        assertEquals("dropped", n.get("verdict").asText());
        assertEquals("ingress", n.get("direction").asText());
        assertEquals("TCP", n.get("protocol").asText());
        assertEquals("10.244.1.6", n.get("source").get("ip").asText());
        assertEquals(41000, n.get("source").get("port").asInt());
        assertEquals(1001, n.get("source").get("identity").asInt());
        assertEquals("local:1", n.get("destination").get("identityName").asText(), "node-local identities are named");
        assertEquals("policy_default_deny", n.get("reason").asText());
        assertEquals("new", n.get("l3l4").get("state").asText());
        assertEquals("0x00000000", n.get("l3l4").get("cookie").asText());
        assertEquals("2026-03-01T10:00:00.123456789Z", n.get("time").asText(), "nanosecond time, as the kernel stamped it");
        JsonNode dns = read(FlowJson.toLine(Flows.dns("api.example.com", FlowVerdict.FORWARDED, null)));
        assertNull(dns.get("reason"), "a flow that passed has no reason");
        assertEquals("api.example.com", dns.get("dns").get("name").asText());
        assertEquals("192.0.2.1", dns.get("dns").get("addresses").get(0).asText());
        JsonNode l7 = read(FlowJson.toLine(Flows.l7("/v1/request-landing", FlowVerdict.DROPPED)));
        assertEquals("/v1/request-landing", l7.get("l7").get("fields").get("path").asText());
        assertEquals("default/deathstar", l7.get("destination").get("endpoint").asText());
    }

    @Test
    void aFlowWithoutItsTypesObjectIsRefusedNamingIt() {
        JsonNode n = read("{\"type\":\"dns\",\"time\":\"2026-03-01T10:00:00Z\",\"verdict\":\"forwarded\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlowJson.fromJson(n));
        assertTrue(e.getMessage().contains("\"dns\""), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FlowJson.fromJson(read("{\"type\":\"l9\"}"))).getMessage()
                .contains("unknown flow type 'l9'"));
    }

    private static JsonNode read(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
