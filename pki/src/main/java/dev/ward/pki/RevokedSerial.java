package dev.ward.pki;

import java.math.BigInteger;
import java.time.Instant;

/** One CRL entry: a certificate serial and when it was revoked. */
public record RevokedSerial(BigInteger serial, Instant revokedAt) {}
