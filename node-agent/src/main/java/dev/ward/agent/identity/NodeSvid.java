package dev.ward.agent.identity;

import dev.ward.pki.Pem;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/** The node's own SVID: the chain (leaf first) and the private key that never leaves the node. */
public record NodeSvid(List<X509Certificate> chain, PrivateKey key) {
    public NodeSvid {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) throw new IllegalArgumentException("an SVID chain has at least the leaf");
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

    public String chainPem() {
        return Pem.encode(chain);
    }

    @Override
    public String toString() {
        return "NodeSvid[serial " + serial().toString(16) + ", until " + notAfter() + "]";
    }
}
