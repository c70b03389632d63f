package dev.ward.agent.encryption;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The SPIFFE ID of an X509-SVID and the ID Ward gives a node. */
public final class SpiffeIds {
    private static final int URI_NAME = 6;

    private SpiffeIds() {
    }

    public static String forNode(String trustDomain, String node) {
        return "spiffe://" + trustDomain + "/ward/node/" + node;
    }

    /** The single URI SAN of the certificate; the X509-SVID spec allows exactly one. */
    public static String of(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("subject alternative names cannot be parsed: " + e.getMessage());
        }
        List<String> uris = new ArrayList<>();
        if (names != null) {
            for (List<?> name : names) {
                if (name.get(0) instanceof Integer type && type == URI_NAME) {
                    uris.add((String) name.get(1));
                }
            }
        }
        if (uris.size() != 1) {
            throw new IllegalArgumentException("an SVID has exactly one URI SAN, this certificate has " + uris.size());
        }
        return uris.getFirst();
    }
}
