package dev.ward.bpf.maps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** An ipcache value ({@code struct ipcache_value}, 8 bytes): the identity, and flags kept for later use. */
public final class IpCacheValue {
    public static final int SIZE = 8;

    private IpCacheValue() {}

    public static byte[] encode(int identity) {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(identity).putInt(0).array();
    }

    public static int decodeIdentity(byte[] bytes) {
        if (bytes.length != SIZE) throw new IllegalArgumentException("ipcache value must be " + SIZE + " bytes, got " + bytes.length);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
}
