package dev.ward.xfrm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SaValidatorTest {
    private static SecurityAssociation.Builder gcm(int spi, int keyBytes) {
        return SecurityAssociation.esp(Samples.ip("10.0.0.1"), Samples.ip("10.0.0.2"), spi, EspAlgorithm.aesGcm(Samples.key(keyBytes, 1)));
    }

    @Test
    void everySampleIsValid() {
        Samples.everyKindOfSa().forEach(SaValidator::validate);
    }

    @Test
    void wrongGcmKeyLengthNamesTheSaAndTheLengths() {
        InvalidKeyLengthException e = assertThrows(InvalidKeyLengthException.class, () -> SaValidator.validate(gcm(0x1000, 16).build()));
        assertEquals("SA spi 0x00001000 10.0.0.1->10.0.0.2: rfc4106(gcm(aes)) key of 128 bits, expected 160 or 288 bits", e.getMessage());
    }

    @Test
    void wrongCbcOrHmacKeyLength() {
        var shortHmac = SecurityAssociation.esp(Samples.ip("10.0.0.1"), Samples.ip("10.0.0.2"), 0x2000,
                EspAlgorithm.aesCbcHmacSha256(Samples.key(16, 1), Samples.key(20, 2))).build();
        InvalidKeyLengthException e = assertThrows(InvalidKeyLengthException.class, () -> SaValidator.validate(shortHmac));
        assertEquals("SA spi 0x00002000 10.0.0.1->10.0.0.2: hmac(sha256) key of 160 bits, expected 256 bits", e.getMessage());
        var oddAes = SecurityAssociation.esp(Samples.ip("10.0.0.1"), Samples.ip("10.0.0.2"), 0x2001,
                EspAlgorithm.aesCbcHmacSha256(Samples.key(17, 1), Samples.key(32, 2))).build();
        assertThrows(InvalidKeyLengthException.class, () -> SaValidator.validate(oddAes));
    }

    @Test
    void unknownAlgorithmIsRefused() {
        var des = SecurityAssociation.esp(Samples.ip("10.0.0.1"), Samples.ip("10.0.0.2"), 0x3000,
                new EspAlgorithm.CipherAndAuth("cbc(des)", Samples.key(8, 1), "hmac(sha256)", Samples.key(32, 2), 128)).build();
        UnknownAlgorithmException e = assertThrows(UnknownAlgorithmException.class, () -> SaValidator.validate(des));
        assertEquals("SA spi 0x00003000 10.0.0.1->10.0.0.2: unknown cipher algorithm 'cbc(des)' (Ward installs cbc(aes))", e.getMessage());
        var ccm = SecurityAssociation.esp(Samples.ip("10.0.0.1"), Samples.ip("10.0.0.2"), 0x3001,
                new EspAlgorithm.Aead("rfc4309(ccm(aes))", Samples.key(19, 1), 128)).build();
        assertThrows(UnknownAlgorithmException.class, () -> SaValidator.validate(ccm));
    }

    @Test
    void reservedSpiIsRefused() {
        InvalidSpiException e = assertThrows(InvalidSpiException.class, () -> SaValidator.validate(gcm(255, 20).build()));
        assertEquals("SA spi 0x000000ff 10.0.0.1->10.0.0.2: SPI 255 is reserved (RFC 4303 reserves 0..255)", e.getMessage());
        assertThrows(InvalidSpiException.class, () -> SaValidator.validate(gcm(0, 20).build()));
        SaValidator.validate(gcm(256, 20).build());
        SaValidator.validate(gcm(0xffffffff, 20).build());
    }

    @Test
    void shortIcvIsRefused() {
        var sa = SecurityAssociation.esp(Samples.ip("10.0.0.1"), Samples.ip("10.0.0.2"), 0x4000,
                new EspAlgorithm.Aead(EspAlgorithm.AES_GCM, Samples.key(20, 1), 64)).build();
        assertThrows(InvalidSecurityAssociationException.class, () -> SaValidator.validate(sa));
    }

    @Test
    void keysNeverAppearInDescriptions() {
        SecurityAssociation sa = gcm(0x1000, 20).build();
        assertEquals("rfc4106(gcm(aes)) (160-bit key, 128-bit ICV)", sa.algorithm().toString());
    }
}
