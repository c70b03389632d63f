package dev.ward.agentapi;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ApiCodecTest {
    static final ApiRequest.AddEndpoint ADD = new ApiRequest.AddEndpoint("c0ffee", "eth0", "/var/run/netns/cni-1", "prod", "web-1",
            Map.of("app", "web"), List.of(new IpConfig("10.244.1.5/24", "10.244.1.1")), "veth1234", 17, "0a:58:0a:f4:01:05");

    static final EndpointInfo INFO = new EndpointInfo("prod/web-1", "prod", "web-1", "c0ffee", "eth0", "/var/run/netns/cni-1",
            List.of("10.244.1.5/32"), "veth1234", 17, 4711, List.of("k8s:app=web"), EndpointState.READY, null, "n1");

    @Test
    void everyRequestComesBackAsItWasSentWithItsVersionAndOperation() throws Exception {
        for (ApiRequest r : List.of(ADD, new ApiRequest.DeleteEndpoint("c0ffee", "eth0"),
                new ApiRequest.CheckEndpoint("c0ffee", "eth0", "veth1234", List.of("10.244.1.5/24")), new ApiRequest.ListEndpoints(),
                new ApiRequest.FollowFlows(FlowFilter.ALL, 0), new ApiRequest.FollowFlows(FILTER, 100))) {
            String line = ApiCodec.encode(r);
            assertFalse(line.contains("\n"), "one message is one line: " + line);
            assertTrue(line.startsWith("{\"version\":1,\"op\":\"" + r.op() + "\""), line);
            assertEquals(r, ApiCodec.decodeRequest(line));
        }
    }

    static final FlowFilter FILTER = new FlowFilter(List.of("l3l4", "dns"), List.of("dropped"), List.of("ingress"), List.of("1001"),
            List.of("k8s:org=empire,class=deathstar"), List.of("10.244.0.0/16"), List.of("10.244.1.10"), List.of("80"), List.of("TCP"),
            List.of("policy_default_deny"), List.of("default/deathstar"));

    @Test
    void aFollowRequestCarriesItsFilterAndAnEmptyFilterAddsNothingToTheLine() throws Exception {
        assertEquals("{\"version\":1,\"op\":\"flow-follow\",\"filter\":{},\"last\":0}",
                ApiCodec.encode(new ApiRequest.FollowFlows(null, 0)));
        ApiRequest.FollowFlows f = (ApiRequest.FollowFlows) ApiCodec.decodeRequest("{\"version\":1,\"op\":\"flow-follow\",\"filter\":{\"types\":[\"dns\"]}}");
        assertEquals(List.of("dns"), f.filter().types());
        assertEquals(List.of(), f.filter().ports());
        assertMessage("{\"version\":1,\"op\":\"flow-follow\",\"last\":-1}", "last must not be negative");
    }

    @Test
    void everyResponseComesBackAsItWasSent() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode flow = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("type", "l3l4").put("verdict", "dropped");
        for (ApiResponse r : List.of(new ApiResponse.Flow(flow), new ApiResponse.FlowsLost(12), new ApiResponse.HistoryEnd(40), new ApiResponse.StreamEnd("the agent is stopping"),
                new ApiResponse.Accepted(INFO), new ApiResponse.Ready(INFO), new ApiResponse.Ok(List.of(INFO, INFO)),
                new ApiResponse.Failure(ApiError.VETH_NOT_FOUND, "no veth"), new ApiResponse.Failure(ApiError.UNSUPPORTED_VERSION, "v9", List.of(1)))) {
            String line = ApiCodec.encode(r);
            assertTrue(line.startsWith("{\"version\":1,\"status\":\"" + r.status() + "\""), line);
            assertEquals(r, ApiCodec.decodeResponse(line));
        }
        assertTrue(ApiCodec.encode(new ApiResponse.Ready(INFO)).contains("\"state\":\"ready\""));
    }

    @Test
    void aRequestInAnotherVersionIsRefusedBeforeItsFieldsAreRead() {
        ApiProtocolException e = assertThrows(ApiProtocolException.class,
                () -> ApiCodec.decodeRequest("{\"version\":2,\"op\":\"endpoint-teleport\"}"));
        assertEquals(ApiError.UNSUPPORTED_VERSION, e.code());
        assertTrue(e.getMessage().contains("version 2") && e.getMessage().contains("[1]"), e.getMessage());
        assertEquals(ApiError.INVALID_REQUEST, assertThrows(ApiProtocolException.class,
                () -> ApiCodec.decodeRequest("{\"op\":\"endpoint-list\"}")).code());
    }

    @Test
    void badRequestsAreRefusedNamingWhatIsWrong() {
        assertMessage("{\"version\":1,\"op\":\"endpoint-teleport\"}", "unknown operation \"endpoint-teleport\"");
        assertMessage("not json", "is not JSON");
        assertMessage("[1,2]", "not a JSON object");
        assertMessage("{\"version\":1}", "has no \"op\"");
        assertMessage("{\"version\":1,\"op\":\"endpoint-add\",\"containerId\":\"c\",\"ifname\":\"eth0\",\"netns\":\"/n\",\"veth\":\"v\",\"vethIfindex\":3}",
                "ips is empty");
        assertMessage("{\"version\":1,\"op\":\"endpoint-add\",\"ifname\":\"eth0\",\"netns\":\"/n\",\"veth\":\"v\",\"vethIfindex\":3,\"ips\":[{\"address\":\"10.0.0.1/32\"}]}",
                "containerId is missing");
        assertMessage("{\"version\":1,\"op\":\"endpoint-delete\",\"containerId\":[1],\"ifname\":\"eth0\"}", "invalid request endpoint-delete");
    }

    @Test
    void fieldsANewerPeerAddsAreIgnored() throws Exception {
        ApiRequest r = ApiCodec.decodeRequest("{\"version\":1,\"op\":\"endpoint-delete\",\"containerId\":\"c\",\"ifname\":\"eth0\",\"hint\":\"x\"}");
        assertEquals(new ApiRequest.DeleteEndpoint("c", "eth0"), r);
    }

    private static void assertMessage(String line, String expected) {
        ApiProtocolException e = assertThrows(ApiProtocolException.class, () -> ApiCodec.decodeRequest(line));
        assertEquals(ApiError.INVALID_REQUEST, e.code());
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should say '" + expected + "'");
    }
}
