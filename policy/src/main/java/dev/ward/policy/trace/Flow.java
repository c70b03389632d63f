package dev.ward.policy.trace;

import dev.ward.policy.l7.L7Request;
import dev.ward.policy.model.Protocol;

/** A flow to trace: source, destination, protocol and port (ICMP type), and optionally the L7 request it carries. */
public record Flow(FlowPeer source, FlowPeer destination, Protocol protocol, int port, L7Request request) {

    public static Flow of(String source, String destination, Protocol protocol, int port, L7Request request) {
        return new Flow(FlowPeer.parse(source), FlowPeer.parse(destination), protocol, port, request);
    }

    /** Parses {@code 80/TCP}, {@code 53/udp}, {@code 8/ICMP}; without a protocol, TCP. */
    public static int port(String text) {
        String p = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
        if (!p.strip().matches("\\d{1,5}") || Integer.parseInt(p.strip()) > 65535) {
            throw new IllegalArgumentException("'" + text + "' is not PORT/PROTO (e.g. 80/TCP)");
        }
        return Integer.parseInt(p.strip());
    }

    public static Protocol protocol(String text) {
        return text.contains("/") ? Protocol.parseFlowProtocol(text.substring(text.indexOf('/') + 1).strip()) : Protocol.TCP;
    }
}
