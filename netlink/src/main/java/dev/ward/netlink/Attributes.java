package dev.ward.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The attributes of one message (or of one nested attribute), by type. A type may repeat; {@link #first}
 * returns the first occurrence. Lengths that overrun the region are rejected.
 */
public final class Attributes {
    private static final int TYPE_MASK = 0x3fff;
    private final Map<Integer, List<ByteBuffer>> byType;

    private Attributes(Map<Integer, List<ByteBuffer>> byType) {
        this.byType = byType;
    }

    /** Parses attributes from the current position of {@code region} to its limit. */
    public static Attributes parse(ByteBuffer region) {
        ByteBuffer in = region.duplicate().order(ByteOrder.nativeOrder());
        Map<Integer, List<ByteBuffer>> map = new LinkedHashMap<>();
        while (in.remaining() >= 4) {
            int at = in.position();
            int len = Short.toUnsignedInt(in.getShort(at));
            int type = Short.toUnsignedInt(in.getShort(at + 2)) & TYPE_MASK;
            if (len < 4 || len > in.remaining()) {
                throw new MalformedNetlinkMessageException("attribute type " + type + " at offset " + at + " claims "
                        + len + " bytes, " + in.remaining() + " available");
            }
            ByteBuffer value = in.slice(at + 4, len - 4).order(ByteOrder.nativeOrder());
            map.computeIfAbsent(type, k -> new ArrayList<>()).add(value);
            in.position(Math.min(in.limit(), at + NetlinkFlags.align(len)));
        }
        if (in.hasRemaining()) {
            throw new MalformedNetlinkMessageException(in.remaining() + " trailing bytes after the last attribute");
        }
        return new Attributes(map);
    }

    /** Parses the attributes that follow a fixed header of {@code headerLength} bytes in {@code payload}. */
    public static Attributes afterHeader(ByteBuffer payload, int headerLength) {
        if (payload.remaining() < headerLength) {
            throw new MalformedNetlinkMessageException("payload of " + payload.remaining()
                    + " bytes is shorter than its " + headerLength + "-byte header");
        }
        ByteBuffer p = payload.duplicate();
        p.position(p.position() + Math.min(NetlinkFlags.align(headerLength), p.remaining()));
        return parse(p);
    }

    public boolean has(int type) {
        return byType.containsKey(type);
    }

    public ByteBuffer first(int type) {
        List<ByteBuffer> l = byType.get(type);
        return l == null ? null : l.getFirst().duplicate().order(ByteOrder.nativeOrder());
    }

    public List<ByteBuffer> all(int type) {
        List<ByteBuffer> l = byType.getOrDefault(type, List.of());
        List<ByteBuffer> out = new ArrayList<>(l.size());
        for (ByteBuffer b : l) out.add(b.duplicate().order(ByteOrder.nativeOrder()));
        return out;
    }

    public Attributes nested(int type) {
        ByteBuffer b = first(type);
        return b == null ? null : parse(b);
    }

    public Integer u8(int type) {
        ByteBuffer b = sized(type, 1);
        return b == null ? null : Byte.toUnsignedInt(b.get(0));
    }

    public Integer u32(int type) {
        ByteBuffer b = sized(type, 4);
        return b == null ? null : b.getInt(0);
    }

    public Long u64(int type) {
        ByteBuffer b = sized(type, 8);
        return b == null ? null : b.getLong(0);
    }

    public String string(int type) {
        ByteBuffer b = first(type);
        if (b == null) return null;
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) n++;
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    public byte[] bytes(int type) {
        ByteBuffer b = first(type);
        if (b == null) return null;
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    public InetAddress address(int type) {
        byte[] b = bytes(type);
        if (b == null) return null;
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new MalformedNetlinkMessageException("attribute " + type + " is not an address: " + b.length + " bytes");
        }
    }

    private ByteBuffer sized(int type, int size) {
        ByteBuffer b = first(type);
        if (b == null) return null;
        if (b.remaining() < size) {
            throw new MalformedNetlinkMessageException("attribute " + type + " has " + b.remaining()
                    + " bytes, expected " + size);
        }
        return b;
    }
}
