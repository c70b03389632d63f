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
                new ApiRequest.CheckEndpoint("c0ffee", "eth0", "veth1234", List.of("10.244.1.5/24")), new ApiRequest.ListEndpoints())) {
            String line = ApiCodec.encode(r);
            assertFalse(line.contains("\n"), "one message is one line: " + line);
            assertTrue(line.startsWith("{\"version\":1,\"op\":\"" + r.op() + "\""), line);
            assertEquals(r, ApiCodec.decodeRequest(line));
        }
    }

    @Test
    void everyResponseComesBackAsItWasSent() throws Exception {
        for (ApiResponse r : List.of(new ApiResponse.Accepted(INFO), new ApiResponse.Ready(INFO), new ApiResponse.Ok(List.of(INFO, INFO)),
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
