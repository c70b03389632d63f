package dev.ward.agent.identity;

import dev.ward.pki.ClusterTrust;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/** When a node renews: at a fraction of its SVID's lifetime, or soon after its CA stops being the issuing one. */
public final class RenewalPolicy {
    private RenewalPolicy() {}

    /**
     * The renewal time: {@code fraction} of the way from {@code receivedAt} (or notBefore, if later) to notAfter.
     * Counting from receipt rather than notBefore matters because issuers backdate notBefore for clock skew,
     * which for short lifetimes would put the halfway point in the past.
     */
    public static Instant renewAt(X509Certificate leaf, double fraction, Instant receivedAt) {
        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant from = receivedAt.isAfter(notBefore) ? receivedAt : notBefore;
        Instant to = leaf.getNotAfter().toInstant();
        long lifetimeMillis = Duration.between(from, to).toMillis();
        return from.plusMillis((long) (lifetimeMillis * fraction));
    }

    /** True when the published bundle's issuing CA is not the one that signed {@code leaf} (a rotation began). */
    public static boolean issuerRetiring(X509Certificate leaf, ClusterTrust trust) {
        return !leaf.getIssuerX500Principal().equals(trust.bundle().issuing().getSubjectX500Principal());
    }
}
