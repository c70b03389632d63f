package dev.ward.bpf.datapath;

import dev.ward.bpf.load.BpfMap;
import dev.ward.bpf.maps.IpCacheKey;
import dev.ward.policy.model.Direction;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A conntrack entry ({@code struct ct_key} 44 bytes, {@code struct ct_value} 40 bytes): the flow as its first
 * packet had it, the endpoint and the direction that opened it, and its state.
 */
public record ConntrackEntry(int endpointId, Direction direction, int protocol, InetAddress source, int sourcePort,
                             InetAddress destination, int destinationPort, long expiresNanos, long packets, long bytes,
                             int flags, int proxyPort) {
    static final int KEY_SIZE = 44;
    static final int VALUE_SIZE = 48;
    public static final int REPLY_SEEN = 1;

    static ConntrackEntry decode(byte[] key, byte[] value) {
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        byte[] s = new byte[16];
        byte[] d = new byte[16];
        k.get(s).get(d);
        int sport = Short.toUnsignedInt(k.order(ByteOrder.BIG_ENDIAN).getShort());
        int dport = Short.toUnsignedInt(k.getShort());
        int ep = k.order(ByteOrder.LITTLE_ENDIAN).getInt();
        int proto = k.get() & 0xFF;
        int dir = k.get() & 0xFF;
        ByteBuffer v = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        long expires = v.getLong();
        v.getLong();
        long packets = v.getLong();
        long bytes = v.getLong();
        int flags = v.getInt();
        int proxy = Short.toUnsignedInt(v.getShort());
        return new ConntrackEntry(ep, Direction.values()[dir], proto, IpCacheKey.unmapped(s), sport, IpCacheKey.unmapped(d), dport,
                expires, packets, bytes, flags, proxy);
    }

    static List<ConntrackEntry> readAll(BpfMap map) {
        List<ConntrackEntry> out = new ArrayList<>();
        for (BpfMap.Element e : map.elements()) out.add(decode(e.key(), e.value()));
        return out;
    }

    /** The key of a flow as the datapath writes it (addresses v4-mapped, ports big-endian). */
    static byte[] key(int endpointId, Direction direction, int protocol, InetAddress source, int sourcePort, InetAddress destination,
                      int destinationPort) {
        ByteBuffer k = ByteBuffer.allocate(KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        k.put(IpCacheKey.mapped(source.getAddress())).put(IpCacheKey.mapped(destination.getAddress()));
        k.order(ByteOrder.BIG_ENDIAN).putShort((short) sourcePort).putShort((short) destinationPort);
        k.order(ByteOrder.LITTLE_ENDIAN).putInt(endpointId).put((byte) protocol).put((byte) direction.ordinal());
        return k.array();
    }

    private static int endpointOf(byte[] key) {
        return ByteBuffer.wrap(key, 36, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** Deletes the endpoint's entries, so a later endpoint given the same id inherits no flow. */
    static void purge(BpfMap map, int endpointId) {
        for (byte[] k : map.keys()) if (endpointOf(k) == endpointId) map.delete(k);
    }
}
