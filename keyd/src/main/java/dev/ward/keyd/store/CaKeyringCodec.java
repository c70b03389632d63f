package dev.ward.keyd.store;

import dev.ward.store.CorruptRecordException;
import dev.ward.keyd.CaKeyring;
import dev.ward.pki.CertificateAuthority;
import dev.ward.pki.Pem;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CA keyring as named PEM documents ({@code ca.crt}, {@code ca.key}, and during a rotation
 * {@code retiring-ca.crt}, {@code retiring-ca.key}), the data of the Kubernetes Secret; or as one PEM file of
 * certificate/key pairs, active first, for the key file of clusters without Kubernetes.
 */
public final class CaKeyringCodec {
    public static final String CA_CRT = "ca.crt";
    public static final String CA_KEY = "ca.key";
    public static final String RETIRING_CRT = "retiring-ca.crt";
    public static final String RETIRING_KEY = "retiring-ca.key";

    private CaKeyringCodec() {}

    public static Map<String, String> encode(CaKeyring keyring) {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put(CA_CRT, Pem.encode(keyring.active().certificate()));
        docs.put(CA_KEY, Pem.encode(keyring.active().privateKey()));
        keyring.retiring().ifPresent(r -> {
            docs.put(RETIRING_CRT, Pem.encode(r.certificate()));
            docs.put(RETIRING_KEY, Pem.encode(r.privateKey()));
        });
        return docs;
    }

    public static CaKeyring decode(Map<String, String> docs, String where) {
        try {
            CertificateAuthority active = authority(docs.get(CA_CRT), docs.get(CA_KEY), where + " " + CA_CRT + "/" + CA_KEY);
            Optional<CertificateAuthority> retiring = docs.containsKey(RETIRING_CRT) || docs.containsKey(RETIRING_KEY)
                    ? Optional.of(authority(docs.get(RETIRING_CRT), docs.get(RETIRING_KEY), where + " " + RETIRING_CRT + "/" + RETIRING_KEY))
                    : Optional.empty();
            return new CaKeyring(active, retiring);
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException("the CA keyring in " + where + " is unusable: " + e.getMessage(), e);
        }
    }

    public static String encodeFile(CaKeyring keyring) {
        StringBuilder sb = new StringBuilder();
        for (CertificateAuthority ca : keyring.all()) {
            sb.append(Pem.encode(ca.certificate())).append(Pem.encode(ca.privateKey()));
        }
        return sb.toString();
    }

    public static CaKeyring decodeFile(String pem, String where) {
        try {
            List<String> blocks = PemBlocks.split(pem);
            if (blocks.size() != 2 && blocks.size() != 4) {
                throw new IllegalArgumentException("expected a certificate and key for the active CA, optionally followed by those of the retiring CA; found "
                        + blocks.size() + " PEM blocks");
            }
            Map<String, String> docs = new LinkedHashMap<>();
            docs.put(CA_CRT, blocks.get(0));
            docs.put(CA_KEY, blocks.get(1));
            if (blocks.size() == 4) {
                docs.put(RETIRING_CRT, blocks.get(2));
                docs.put(RETIRING_KEY, blocks.get(3));
            }
            return decode(docs, where);
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException("the CA key file " + where + " is unusable: " + e.getMessage(), e);
        }
    }

    private static CertificateAuthority authority(String certPem, String keyPem, String where) {
        if (certPem == null || keyPem == null) throw new IllegalArgumentException(where + ": certificate or key is missing");
        X509Certificate cert = Pem.certificate(certPem, where);
        PrivateKey key = Pem.privateKey(keyPem, where);
        return new CertificateAuthority(cert, key);
    }
}
