package dev.ward.bpf.maps;

import dev.ward.policy.model.Direction;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * An endpoints map value ({@code struct endpoint_value}, 352 bytes), keyed by the host-side veth's ifindex:
 * the endpoint's id (its policy map's key), its own identity, enforcement and lock flags per direction, and
 * the veth and endpoint names, so a restarted agent and {@code wardctl endpoint list} can tell what is what.
 */
public record EndpointValue(int endpointId, int identity, int flags, String veth, String name) {
    public static final int SIZE = 352;
    public static final int NAME_MAX = 319;
    public static final int VETH_MAX = 15;

    public static final int ENFORCE_INGRESS = 1, ENFORCE_EGRESS = 2, LOCK_INGRESS = 4, LOCK_EGRESS = 8;

    public EndpointValue {
        if (endpointId <= 0) throw new IllegalArgumentException("endpoint id must be positive: " + endpointId);
        if (veth.getBytes(StandardCharsets.UTF_8).length > VETH_MAX) throw new IllegalArgumentException("veth name longer than 15 bytes: " + veth);
        if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
            throw new IllegalArgumentException("endpoint name longer than " + NAME_MAX + " bytes: " + name);
        }
    }

    public static int enforceFlag(Direction d) {
        return d == Direction.INGRESS ? ENFORCE_INGRESS : ENFORCE_EGRESS;
    }

    public static int lockFlag(Direction d) {
        return d == Direction.INGRESS ? LOCK_INGRESS : LOCK_EGRESS;
    }

    public boolean enforced(Direction d) {
        return (flags & enforceFlag(d)) != 0;
    }

    public boolean locked(Direction d) {
        return (flags & lockFlag(d)) != 0;
    }

    public EndpointValue withFlags(int newFlags) {
        return new EndpointValue(endpointId, identity, newFlags, veth, name);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(endpointId).putInt(identity).putInt(flags).putInt(0);
        b.put(fixed(veth, 16));
        b.put(fixed(name, SIZE - 32));
        return b.array();
    }

    public static EndpointValue decode(byte[] bytes) {
        if (bytes.length != SIZE) throw new IllegalArgumentException("endpoint value must be " + SIZE + " bytes, got " + bytes.length);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int id = b.getInt();
        int identity = b.getInt();
        int flags = b.getInt();
        return new EndpointValue(id, identity, flags, string(bytes, 16, 16), string(bytes, 32, SIZE - 32));
    }

    private static byte[] fixed(String s, int size) {
        byte[] out = new byte[size];
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(in, 0, out, 0, in.length);
        return out;
    }

    private static String string(byte[] b, int off, int size) {
        int end = off;
        while (end < off + size && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }
}
