package dev.ward.bpf.maps;

import dev.ward.policy.compute.Verdict;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A policy map value ({@code struct policy_value}, 8 bytes): the rule cookie (names the rules that decided),
 * the proxy port of a redirect, the verdict.
 */
public record PolicyValue(Verdict.Kind verdict, int proxyPort, int cookie) {
    public static final int SIZE = 8;

    public PolicyValue {
        if (proxyPort < 0 || proxyPort > 0xFFFF) throw new IllegalArgumentException("proxy port out of range: " + proxyPort);
        if (verdict != Verdict.Kind.REDIRECT && proxyPort != 0) throw new IllegalArgumentException("only a redirect has a proxy port");
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(cookie).putShort((short) proxyPort)
                .put((byte) verdict.ordinal()).put((byte) 0).array();
    }

    public static PolicyValue decode(byte[] bytes) {
        if (bytes.length != SIZE) throw new IllegalArgumentException("policy value must be " + SIZE + " bytes, got " + bytes.length);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int cookie = b.getInt();
        int port = b.getShort() & 0xFFFF;
        int v = b.get() & 0xFF;
        if (v >= Verdict.Kind.values().length) throw new IllegalArgumentException("policy value verdict " + v + " unknown");
        return new PolicyValue(Verdict.Kind.values()[v], port, cookie);
    }
}
