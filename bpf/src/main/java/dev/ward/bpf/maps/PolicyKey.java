package dev.ward.bpf.maps;

import dev.ward.policy.model.Direction;
import dev.ward.policy.model.Protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A policy map key ({@code struct policy_key}, 12 bytes): the LPM prefix length, then identity, direction and
 * protocol matched exactly and the port (big-endian, so its high bits come first) by prefix.
 */
public record PolicyKey(int identity, Direction direction, Protocol protocol, PortPrefix port) {
    public static final int SIZE = 12;
    static final int FIXED_BITS = 48;

    public PolicyKey {
        ProtocolBucket.number(protocol);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(FIXED_BITS + port.length()).putInt(identity).put((byte) direction.ordinal()).put((byte) ProtocolBucket.number(protocol));
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) port.value());
        return b.array();
    }

    public static PolicyKey decode(byte[] bytes) {
        if (bytes.length != SIZE) throw new IllegalArgumentException("policy key must be " + SIZE + " bytes, got " + bytes.length);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int prefixLength = b.getInt();
        int identity = b.getInt();
        int dir = b.get() & 0xFF;
        int proto = b.get() & 0xFF;
        int port = b.order(ByteOrder.BIG_ENDIAN).getShort() & 0xFFFF;
        if (prefixLength < FIXED_BITS || prefixLength > FIXED_BITS + 16) {
            throw new IllegalArgumentException("policy key prefix length " + prefixLength + " outside " + FIXED_BITS + ".." + (FIXED_BITS + 16));
        }
        if (dir >= Direction.values().length) throw new IllegalArgumentException("policy key direction " + dir + " unknown");
        return new PolicyKey(identity, Direction.values()[dir], ProtocolBucket.of(proto), new PortPrefix(port, prefixLength - FIXED_BITS));
    }

    @Override
    public String toString() {
        return direction.lower() + " " + Integer.toUnsignedString(identity) + " " + protocol + " " + port;
    }
}
