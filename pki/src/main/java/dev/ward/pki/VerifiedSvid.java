package dev.ward.pki;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/** An SVID chain that passed {@link SvidVerifier}: who it identifies and which CA vouched for it. */
public record VerifiedSvid(NodeIdentity identity, List<X509Certificate> chain, X509Certificate issuingCa) {
    public VerifiedSvid {
        chain = List.copyOf(chain);
    }

    public String node() {
        return identity.node();
    }

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    public BigInteger serial() {
        return leaf().getSerialNumber();
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }
}
