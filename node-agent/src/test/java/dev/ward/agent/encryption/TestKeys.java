package dev.ward.agent.encryption;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.util.HexFormat;

/** Fixed X25519 keys for known-answer tests: the RFC 7748 section 6.1 vectors. */
final class TestKeys {
    static final String ALICE_PRIVATE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    static final String ALICE_PUBLIC = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    static final String BOB_PRIVATE = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    static final String BOB_PUBLIC = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    static final String SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    private TestKeys() {
    }

    static EpochKeyPair alice(long epoch) {
        return fixed(epoch, ALICE_PRIVATE, ALICE_PUBLIC);
    }

    static EpochKeyPair bob(long epoch) {
        return fixed(epoch, BOB_PRIVATE, BOB_PUBLIC);
    }

    static EpochKeyPair fixed(long epoch, String privateHex, String publicHex) {
        try {
            var privateKey = KeyFactory.getInstance("X25519").generatePrivate(
                    new XECPrivateKeySpec(NamedParameterSpec.X25519, HexFormat.of().parseHex(privateHex)));
            var publicKey = X25519.publicKey(HexFormat.of().parseHex(publicHex));
            return new EpochKeyPair(epoch, new KeyPair(publicKey, privateKey));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
