package dev.ward.cli.identity;

import dev.ward.cli.CommandFailure;
import dev.ward.keyd.TrustPublication;
import dev.ward.keyd.TrustPublisher;
import dev.ward.keyd.store.IdentityStore;
import dev.ward.keyd.store.IdentityStores;
import dev.ward.store.ClusterStore;
import dev.ward.store.StoreAccess;
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
            description = "Where the cluster's state is: k8s, etcd://HOST:PORT[,HOST:PORT] or dir:PATH (default: ${DEFAULT-VALUE}).")
    String store;

    @Option(names = "--ca-key-file", paramLabel = "FILE",
            description = "CA key file (mode 0600) for etcd stores; default /var/lib/ward/keyd/ca-keyring.pem (dir stores: PATH/ca-keyring.pem).")
    Path caKeyFile;

    /** Where {@code --store} points. */
    public StoreLocation location() {
        try {
            return StoreLocation.parse(store);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }

    /** The store as it is: a directory store that does not exist is an error, not an empty cluster. */
    public ClusterStore connect() {
        return ClusterStore.open(location(), StoreAccess.EXISTING);
    }

    /** The identity records of an existing store. */
    public IdentityStore open() {
        return IdentityStores.open(location(), StoreAccess.EXISTING, caKeyFile);
    }

    /** The identity records, creating a directory store that is not there yet (for the commands that start a cluster). */
    public IdentityStore openCreating() {
        return IdentityStores.open(location(), StoreAccess.CREATE, caKeyFile);
    }

    /** The identity records on a store the caller keeps open. */
    public IdentityStore on(ClusterStore connected) {
        return IdentityStores.on(connected, caKeyFile, false);
    }

    public static TrustPublication publication(IdentityStore store, Duration crlValidity, Clock clock) {
        return new TrustPublication(store, new TrustPublisher(crlValidity), clock);
    }
}
