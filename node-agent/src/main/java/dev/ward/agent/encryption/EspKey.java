package dev.ward.agent.encryption;

import java.security.MessageDigest;
import java.util.Arrays;

/** Key material for one ESP SA: the AES key followed by the 4-byte GCM salt, as the kernel takes it. */
public final class EspKey {
    private final EspCipher cipher;
    private final byte[] material;

    public EspKey(EspCipher cipher, byte[] material) {
        if (material.length != cipher.keyMaterialBytes()) {
            throw new IllegalArgumentException(cipher + " needs " + cipher.keyMaterialBytes()
                    + " bytes of key material, got " + material.length);
        }
        this.cipher = cipher;
        this.material = material.clone();
    }

    public EspCipher cipher() {
        return cipher;
    }

    public byte[] material() {
        return material.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EspKey key && key.cipher == cipher && MessageDigest.isEqual(key.material, material);
    }

    @Override
    public int hashCode() {
        return 31 * cipher.hashCode() + Arrays.hashCode(material);
    }

    /** Never prints the key: SAs end up in logs and status output. */
    @Override
    public String toString() {
        return "EspKey[" + cipher + ", " + material.length + " bytes]";
    }
}
