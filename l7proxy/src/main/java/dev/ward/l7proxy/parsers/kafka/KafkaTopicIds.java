package dev.ward.l7proxy.parsers.kafka;

import org.apache.kafka.common.Uuid;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Topic names by topic id, learned from the metadata responses brokers send through the proxy. Newer Fetch,
 * Produce and OffsetCommit versions name topics only by id; rules name them by name. Shared by all connections
 * (a client reads metadata on one connection and fetches on another); only brokers' replies write it. Bounded:
 * past the limit it starts over, and ids it forgot resolve again on the client's next metadata refresh.
 */
final class KafkaTopicIds {
    static final int MAX_TOPICS = 200_000;
    private final Map<Uuid, String> names = new ConcurrentHashMap<>();

    void learn(Uuid id, String name) {
        if (id == null || Uuid.ZERO_UUID.equals(id) || name == null) return;
        if (names.size() >= MAX_TOPICS && !names.containsKey(id)) names.clear();
        names.put(id, name);
    }

    /** The topic's name, or null when no metadata response named it yet. */
    String name(Uuid id) {
        return names.get(id);
    }
}
