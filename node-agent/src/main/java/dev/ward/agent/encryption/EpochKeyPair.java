package dev.ward.agent.encryption;

import java.security.KeyPair;

/** This node's X25519 key pair for one epoch. The private half never leaves the node. */
public record EpochKeyPair(long epoch, KeyPair keyPair) {
    public EpochKeyPair {
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be at least 1, got " + epoch);
        }
    }

    public static EpochKeyPair generate(long epoch) {
        return new EpochKeyPair(epoch, X25519.generateKeyPair());
    }

    public EpochPublicKey publicKey() {
        return new EpochPublicKey(epoch, X25519.rawPublicKey(keyPair.getPublic()));
    }

    @Override
    public String toString() {
        return "EpochKeyPair[" + epoch + "]";
    }
}
