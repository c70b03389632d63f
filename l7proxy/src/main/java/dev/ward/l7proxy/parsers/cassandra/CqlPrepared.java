package dev.ward.l7proxy.parsers.cassandra;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The statements behind prepared-statement ids, learned when a PREPARE the rules allowed is answered. Shared by
 * all connections: drivers prepare on one connection and execute on others. An EXECUTE of an id nobody prepared
 * through the proxy is answered UNPREPARED, and the driver prepares it again where the proxy sees it.
 */
final class CqlPrepared {
    static final int MAX = 100_000;
    private final Map<String, List<CqlStatement>> byId = new ConcurrentHashMap<>();

    void learn(byte[] id, List<CqlStatement> statements) {
        if (byId.size() >= MAX) byId.clear();
        byId.put(HexFormat.of().formatHex(id), List.copyOf(statements));
    }

    List<CqlStatement> statements(byte[] id) {
        return byId.get(HexFormat.of().formatHex(id));
    }
}
