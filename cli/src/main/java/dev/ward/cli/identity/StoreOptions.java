package dev.ward.cli.identity;

import dev.ward.keyd.TrustPublication;
import dev.ward.keyd.TrustPublisher;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.store.StoreLocation;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * {@code --store k8s|etcd://HOST:PORT|dir:PATH} and {@code --ca-key-file}, shared by every identity command and
 * by {@code ward keyd}/{@code ward agent}. The default comes from {@code WARD_STORE}, else Kubernetes.
 */
public final class StoreOptions {
    /** How long published CRLs stay valid; keyd re-signs them at half-life. */
    public static final Duration CRL_VALIDITY = Duration.ofHours(48);

    @Option(names = "--store", paramLabel = "STORE", defaultValue = "${env:WARD_STORE:-k8s}",
            description = "Where the identity store is: k8s, etcd://HOST:PORT[,HOST:PORT] or dir:PATH (default: ${DEFAULT-VALUE}).")
    String store;

    @Option(names = "--ca-key-file", paramLabel = "FILE",
            description = "CA key file (mode 0600) for etcd stores; default /var/lib/ward/keyd/ca-keyring.pem (dir stores: PATH/ca-keyring.pem).")
    Path caKeyFile;

    /** Where {@code --store} points, for stores other than the identity store (encryption records). */
    public StoreLocation location() {
        return StoreLocation.parse(store);
    }

    public IdentityStore open() {
        return IdentityStores.open(StoreLocation.parse(store), caKeyFile);
    }

    public static TrustPublication publication(IdentityStore store, Duration crlValidity, Clock clock) {
        return new TrustPublication(store, new TrustPublisher(crlValidity), clock);
    }
}
