package dev.ward.cli.identity;

import dev.ward.cli.Examples;
import dev.ward.cli.CommandFailure;
import dev.ward.cli.OutputOption;
import dev.ward.trust.TrustState;
import dev.ward.keyd.admin.CaAdmin;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.trust.TrustStateCodec;
import dev.ward.pki.Fingerprints;
import dev.ward.pki.KeyAlgorithm;
import dev.ward.pki.TrustDomains;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** {@code wardctl ca}: the cluster CA's lifecycle and what it publishes. */
@Command(name = "ca", description = "Create, rotate and retire the cluster CA; print its bundle and CRL.",
        subcommands = {CaCommand.Init.class, CaCommand.Show.class, CaCommand.Bundle.class, CaCommand.Crl.class,
                CaCommand.Rotate.class, CaCommand.Retire.class})
public final class CaCommand {
    private static final Clock CLOCK = Clock.systemUTC();

    /** One CA as {@code ca show} reports it. */
    public record CaRow(String id, String role, String subject, String keyType, Instant notBefore, Instant notAfter, Instant crlNextUpdate) {}

    /** What {@code ca show} reports. */
    public record CaView(String trustDomain, long sequence, int revokedSerials, List<CaRow> authorities) {}

    static CaView view(TrustState s) {
        List<CaRow> rows = new ArrayList<>();
        List<X509Certificate> cas = s.bundle().authorities();
        for (int i = 0; i < cas.size(); i++) {
            X509Certificate c = cas.get(i);
            Instant crlNext = s.clusterTrust().crlFor(c).map(X509CRL::getNextUpdate).map(java.util.Date::toInstant).orElse(null);
            rows.add(new CaRow(Fingerprints.caId(c), i == 0 ? "issuing" : "retiring", c.getSubjectX500Principal().getName(),
                    KeyAlgorithm.of(c.getPublicKey()).map(Enum::name).orElse("?"), c.getNotBefore().toInstant(), c.getNotAfter().toInstant(), crlNext));
        }
        return new CaView(s.bundle().trustDomain().getName(), s.sequence(), s.revocations().size(), rows);
    }

    static void print(OutputOption out, TrustState s) {
        out.print(System.out, view(s), v -> {
            OutputOption.Table t = new OutputOption.Table("CA", "ROLE", "KEY", "NOT AFTER", "CRL NEXT UPDATE", "SUBJECT");
            v.authorities().forEach(r -> t.row(r.id(), r.role(), r.keyType(), r.notAfter(), r.crlNextUpdate(), r.subject()));
            System.out.println("trust domain " + v.trustDomain() + ", bundle sequence " + v.sequence() + ", " + v.revokedSerials() + " revoked serial(s)");
            return t;
        });
    }

    static TrustState published(IdentityStore store) {
        return store.trust().read().map(v -> v.value()).orElseThrow(() -> new CommandFailure(
                "no trust bundle in " + store.trust().describe() + ": create the CA with `wardctl ca init`"));
    }

    static CaAdmin admin(IdentityStore store) {
        return new CaAdmin(store, StoreOptions.publication(store, StoreOptions.CRL_VALIDITY, CLOCK), CLOCK);
    }

    @Command(name = "init", footerHeading = Examples.HEADING, footer = {
                "  wardctl ca init --trust-domain prod.example --store k8s",
                "  wardctl ca init --trust-domain prod.example --store etcd://10.0.0.1:2379 \\",
                "      --ca-key-file /var/lib/ward/keyd/ca-keyring.pem",
                "  wardctl ca init --trust-domain lab.test --store dir:/var/lib/ward/store"},
        description = "Create the cluster CA (key pair in the store's key vault) and publish its bundle and CRL.")
    static final class Init implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        @Option(names = "--trust-domain", defaultValue = "cluster.local", description = "SPIFFE trust domain (default: ${DEFAULT-VALUE}).")
        String trustDomain;

        @Option(names = "--key-type", defaultValue = "p256", description = "CA key: p256 or p384 (default: ${DEFAULT-VALUE}).")
        String keyType;

        @Option(names = "--validity", defaultValue = "365d", converter = Durations.class, description = "CA lifetime (default: ${DEFAULT-VALUE}).")
        Duration validity;

        @Override
        public void run() {
            try (IdentityStore s = store.openCreating()) {
                TrustState state = admin(s).init(TrustDomains.parse(trustDomain), KeyAlgorithm.parse(keyType), validity);
                print(out, state);
            }
        }
    }

    @Command(name = "show", footerHeading = Examples.HEADING, footer = {
                "  wardctl ca show --store k8s",
                "  wardctl ca show -o json --store etcd://10.0.0.1:2379"},
        description = "Show the published CAs, their roles and CRLs.")
    static final class Show implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        @Override
        public void run() {
            try (IdentityStore s = store.open()) {
                print(out, published(s));
            }
        }
    }

    @Command(name = "bundle", description = "Print the trust bundle (PEM, or SPIFFE bundle JSON with --format spiffe).")
    static final class Bundle implements Runnable {
        @Mixin StoreOptions store;

        @Option(names = "--format", defaultValue = "pem", description = "pem or spiffe (default: ${DEFAULT-VALUE}).")
        String format;

        @Override
        public void run() {
            try (IdentityStore s = store.open()) {
                TrustState state = published(s);
                switch (format) {
                    case "pem" -> System.out.print(state.bundle().toPem());
                    case "spiffe" -> System.out.println(TrustStateCodec.encode(state).get(TrustStateCodec.BUNDLE_SPIFFE));
                    default -> throw new CommandFailure("unknown bundle format \"" + format + "\" (use pem or spiffe)");
                }
            }
        }
    }

    @Command(name = "crl", description = "Print the published CRLs (one per CA), PEM.")
    static final class Crl implements Runnable {
        @Mixin StoreOptions store;

        @Override
        public void run() {
            try (IdentityStore s = store.open()) {
                System.out.print(published(s).clusterTrust().crlPem());
            }
        }
    }

    @Command(name = "rotate", footerHeading = Examples.HEADING, footer = {
                "  wardctl ca rotate --store k8s        # then, once every node renewed: wardctl ca retire"},
        description = "Add a new CA that signs from now on; the old one stays trusted until `ca retire`.")
    static final class Rotate implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        @Option(names = "--key-type", defaultValue = "p256", description = "New CA key: p256 or p384 (default: ${DEFAULT-VALUE}).")
        String keyType;

        @Option(names = "--validity", defaultValue = "365d", converter = Durations.class, description = "New CA lifetime (default: ${DEFAULT-VALUE}).")
        Duration validity;

        @Override
        public void run() {
            try (IdentityStore s = store.open()) {
                print(out, admin(s).rotate(KeyAlgorithm.parse(keyType), validity));
            }
        }
    }

    @Command(name = "retire", description = "Drop the retiring CA once no node's current SVID depends on it (refuses otherwise).")
    static final class Retire implements Runnable {
        @Mixin StoreOptions store;
        @Mixin OutputOption out;

        @Override
        public void run() {
            try (IdentityStore s = store.open()) {
                print(out, admin(s).retire());
            }
        }
    }

}
