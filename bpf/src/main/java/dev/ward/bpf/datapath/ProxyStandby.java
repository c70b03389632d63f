package dev.ward.bpf.datapath;

import dev.ward.bpf.load.BpfMap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;

/**
 * The standby ports map ({@code ward_proxy_standby}): a redirect to a proxy port on which no socket is found goes to
 * the port registered here for it. Before Linux 6.5 bpf_sk_assign refuses a socket of a SO_REUSEPORT group, so an
 * agent's proxy and a standalone one cannot share a port; the standalone listens on its own (standby) port and is
 * reached only while the agent's proxy has no socket.
 */
public final class ProxyStandby {
    static final String MAP = "ward_proxy_standby";

    private final BpfMap map;

    ProxyStandby(BpfMap map) {
        this.map = map;
    }

    static BpfMap borrowed(int fd) {
        return BpfMap.borrowed(fd, MAP, 4, 4);
    }

    /** From now on a redirect to {@code port} that finds no socket there goes to {@code standbyPort}. */
    public void set(int port, int standbyPort) {
        check("proxy port", port);
        check("standby port", standbyPort);
        if (port == standbyPort) throw new IllegalArgumentException("a proxy port cannot stand by for itself: " + port);
        map.update(encode(port), encode(standbyPort));
    }

    /** A redirect to {@code port} that finds no socket is dropped again; true if it had a standby. */
    public boolean clear(int port) {
        check("proxy port", port);
        return map.delete(encode(port));
    }

    /** The standby registered for {@code port}, 0 if none is. */
    public int of(int port) {
        check("proxy port", port);
        byte[] v = map.lookup(encode(port));
        return v == null ? 0 : decode(v);
    }

    /** Every entry, proxy port to standby port. */
    public Map<Integer, Integer> all() {
        Map<Integer, Integer> out = new TreeMap<>();
        for (BpfMap.Element e : map.elements()) out.put(decode(e.key()), decode(e.value()));
        return out;
    }

    void close() {
        map.close();
    }

    private static void check(String what, int port) {
        if (port <= 0 || port > 65535) throw new IllegalArgumentException("a " + what + " is 1-65535, not " + port);
    }

    private static byte[] encode(int port) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(port).array();
    }

    private static int decode(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
}
