package dev.ward.pki;

import io.spiffe.spiffeid.TrustDomain;

/** Parses trust domain names with an error that says which value was wrong. */
public final class TrustDomains {
    private TrustDomains() {}

    public static TrustDomain parse(String name) {
        try {
            return TrustDomain.parse(name);
        } catch (RuntimeException e) { // java-spiffe throws its own InvalidSpiffeIdException
            throw new IllegalArgumentException("\"" + name + "\" is not a valid SPIFFE trust domain: " + e.getMessage());
        }
    }
}
