package dev.ward.l7proxy.access;

/**
 * Receives every access-log event of the proxy: the agent's flow log and {@code wardctl monitor --type l7} feed
 * from here. Called on the proxy's event-loop threads, so it must not block (hand events to a queue).
 */
@FunctionalInterface
public interface L7AccessListener {
    L7AccessListener NONE = e -> {};

    void onEvent(L7AccessEvent event);
}
