package dev.ward.cli.identity;

import dev.ward.cli.Examples;
import dev.ward.cli.CommandFailure;
import dev.ward.cli.OutputOption;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.pki.ClusterTrust;
import dev.ward.pki.Fingerprints;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.Pem;
import dev.ward.pki.SvidRejectedException;
import dev.ward.pki.SvidVerifier;
import dev.ward.pki.VerifiedSvid;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** {@code wardctl svid}: inspect and verify SVID files with Ward's one verifier. */
@Command(name = "svid", description = "Show or verify an SVID file (svid.pem: leaf, then intermediates).",
        subcommands = {SvidCommand.Show.class, SvidCommand.Verify.class})
public final class SvidCommand {

    /** An SVID as {@code svid show} reports it. */
    public record SvidView(List<String> uris, String serial, String issuer, String issuerCa, String keyType, Instant notBefore, Instant notAfter) {}

    /** {@code svid verify}'s verdict. */
    public record Verdict(boolean valid, String spiffeId, String node, String serial, String issuingCa, Instant notAfter, String reason, String message) {}

    static List<X509Certificate> read(Path file) {
        try {
            return Pem.certificates(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + file + ": " + e.getMessage());
        }
    }

    @Command(name = "show", footerHeading = Examples.HEADING, footer = {
                "  wardctl svid show /var/lib/ward/agent/svid.pem"},
        description = "Print what an SVID says: SPIFFE ID, serial, issuer, validity, key.")
    static final class Show implements Runnable {
        @Mixin OutputOption out;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Override
        public void run() {
            X509Certificate leaf = read(file).getFirst();
            List<String> uris = new ArrayList<>();
            try {
                Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
                if (sans != null) sans.stream().filter(s -> (Integer) s.get(0) == 6).forEach(s -> uris.add((String) s.get(1)));
            } catch (CertificateParsingException e) {
                throw new CommandFailure(file + ": subject alternative names cannot be parsed: " + e.getMessage());
            }
            SvidView v = new SvidView(uris, leaf.getSerialNumber().toString(16), leaf.getIssuerX500Principal().getName(), null,
                    KeyAlgorithm.of(leaf.getPublicKey()).map(Enum::name).orElse(leaf.getPublicKey().getAlgorithm()),
                    leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
            out.print(System.out, v, x -> new OutputOption.Table("FIELD", "VALUE")
                    .row("SPIFFE ID", String.join(", ", x.uris()))
                    .row("serial", x.serial())
                    .row("issuer", x.issuer())
                    .row("key", x.keyType())
                    .row("not before", x.notBefore())
                    .row("not after", x.notAfter()));
        }
    }

    /** Offline trust material instead of the store's. */
    static final class Offline {
        @Option(names = "--bundle", required = true, paramLabel = "FILE", description = "Trust bundle PEM (e.g. a node's bundle.pem).")
        Path bundle;

        @Option(names = "--crl", required = true, paramLabel = "FILE", description = "CRL PEM (e.g. a node's crl.pem).")
        Path crl;
    }

    @Command(name = "verify", footerHeading = Examples.HEADING, footer = {
                "  wardctl svid verify /var/lib/ward/agent/svid.pem --node worker-1 --store k8s",
                "  wardctl svid verify svid.pem --bundle bundle.pem --crl crl.pem"},
        description = "Verify an SVID against the published bundle and CRL (or --bundle/--crl). "
            + "Exit code 0 only for a valid, unrevoked SVID; otherwise the reason.")
    static final class Verify implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--node", description = "Also require the SVID to name this node.")
        String node;

        @ArgGroup(exclusive = false)
        Offline offline;

        @Override
        public void run() {
            List<X509Certificate> chain = read(file);
            ClusterTrust trust = trust();
            Verdict v;
            try {
                VerifiedSvid ok = new SvidVerifier().verify(chain, trust, node);
                v = new Verdict(true, ok.identity().toString(), ok.node(), ok.serial().toString(16), Fingerprints.caId(ok.issuingCa()), ok.notAfter(), null, null);
            } catch (SvidRejectedException e) {
                v = new Verdict(false, null, null, chain.getFirst().getSerialNumber().toString(16), null, chain.getFirst().getNotAfter().toInstant(),
                        e.reason().name(), e.getMessage());
            }
            if (out.json()) System.out.println(OutputOption.toJson(v));
            if (!v.valid()) throw new CommandFailure(file + ": " + v.reason() + ": " + v.message());
            if (!out.json()) System.out.println(file + ": valid SVID for " + v.spiffeId() + " (serial " + v.serial() + ", CA " + v.issuingCa() + ", until " + v.notAfter() + ")");
        }

        private ClusterTrust trust() {
            if (offline != null) {
                try {
                    return ClusterTrust.fromPem(Files.readString(offline.bundle), Files.readString(offline.crl));
                } catch (IOException e) {
                    throw new CommandFailure("cannot read the trust files: " + e.getMessage());
                }
            }
            try (IdentityStore s = store.open()) {
                return CaCommand.published(s).clusterTrust();
            }
        }
    }
}
