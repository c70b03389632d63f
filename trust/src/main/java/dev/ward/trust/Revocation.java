package dev.ward.trust;

import java.math.BigInteger;
import java.time.Instant;

/**
 * A revoked SVID as keyd remembers it: enough to list it in the right CA's CRL, and to drop it from the CRL once
 * the certificate has expired anyway.
 */
public record Revocation(BigInteger serial, String caId, String node, Instant revokedAt, Instant notAfter) {}
