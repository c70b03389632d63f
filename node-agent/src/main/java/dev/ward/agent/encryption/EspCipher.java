package dev.ward.agent.encryption;

/**
 * The ESP AEAD Ward programs: AES-GCM as the kernel's {@code rfc4106(gcm(aes))} with a 16-byte ICV. The
 * kernel takes the AES key and the 4-byte salt (RFC 4106 section 8.1) as one key blob.
 */
public enum EspCipher {
    AES_128_GCM(128),
    AES_256_GCM(256);

    public static final String KERNEL_ALGORITHM = "rfc4106(gcm(aes))";
    public static final int SALT_BYTES = 4;
    /** RFC 4106: the explicit IV carried in every packet is 8 bytes. */
    public static final int IV_BYTES = 8;
    public static final int ICV_BYTES = 16;

    private final int aesKeyBits;

    EspCipher(int aesKeyBits) {
        this.aesKeyBits = aesKeyBits;
    }

    public int aesKeyBits() {
        return aesKeyBits;
    }

    /** Length of the kernel key blob: AES key followed by salt (20 or 36 bytes). */
    public int keyMaterialBytes() {
        return aesKeyBits / 8 + SALT_BYTES;
    }

    public int icvBits() {
        return ICV_BYTES * 8;
    }
}
