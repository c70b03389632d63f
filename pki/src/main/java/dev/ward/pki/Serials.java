package dev.ward.pki;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Certificate serial numbers: 128 random bits, so they are unpredictable (a chosen-prefix collision cannot be
 * prepared) and unique without coordination between keyd replicas.
 */
public final class Serials {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Serials() {}

    public static BigInteger random128() {
        BigInteger serial;
        do {
            byte[] bytes = new byte[16];
            RANDOM.nextBytes(bytes);
            serial = new BigInteger(1, bytes);
        } while (serial.signum() == 0);
        return serial;
    }
}
