package dev.ward.dnsproxy.event;

/**
 * Receives every DNS flow event. Called on the proxy's I/O threads for each query and answer: implementations hand
 * the event off (a queue, a ring buffer) rather than block, or they slow DNS for every pod.
 */
@FunctionalInterface
public interface DnsEventListener {
    DnsEventListener NONE = e -> {};

    void onEvent(DnsEvent event);
}
