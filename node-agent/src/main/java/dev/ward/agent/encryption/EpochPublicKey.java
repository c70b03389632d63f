package dev.ward.agent.encryption;

import java.util.Arrays;
import java.util.HexFormat;

/** A node's X25519 public key for one epoch, as it announces it. */
public record EpochPublicKey(long epoch, byte[] x25519) {
    public EpochPublicKey {
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be at least 1, got " + epoch);
        }
        if (x25519.length != X25519.KEY_BYTES) {
            throw new IllegalArgumentException("an X25519 public key has " + X25519.KEY_BYTES + " bytes, got " + x25519.length);
        }
        x25519 = x25519.clone();
    }

    @Override
    public byte[] x25519() {
        return x25519.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EpochPublicKey key && key.epoch == epoch && Arrays.equals(key.x25519, x25519);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + Arrays.hashCode(x25519);
    }

    @Override
    public String toString() {
        return "EpochPublicKey[" + epoch + ", " + HexFormat.of().formatHex(x25519) + "]";
    }
}
