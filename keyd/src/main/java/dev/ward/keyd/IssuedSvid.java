package dev.ward.keyd;

import java.math.BigInteger;
import java.time.Instant;

/** One SVID keyd issued to a node: what revocation and CA retirement need to know about it. */
public record IssuedSvid(BigInteger serial, String caId, Instant issuedAt, Instant notAfter, String request) {
    public boolean liveAt(Instant now) {
        return notAfter.isAfter(now);
    }
}
