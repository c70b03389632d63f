package dev.ward.cli.identity;

import dev.ward.cli.Examples;
import dev.ward.cli.logging.LogOptions;
import dev.ward.keyd.KeydSettings;
import dev.ward.keyd.daemon.KeyDaemon;
import dev.ward.keyd.store.IdentityStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** {@code ward keyd}: runs the key daemon until stopped. */
@Command(name = "keyd", footerHeading = Examples.HEADING, footer = {
                "  ward keyd --store k8s --log-format json",
                "  ward keyd --store etcd://10.0.0.1:2379 --ca-key-file /var/lib/ward/keyd/ca-keyring.pem"},
        description = "Run the key daemon: attest nodes, issue and renew SVIDs, keep the bundle and CRL current.")
public final class KeydCommand implements Runnable {
    @Mixin StoreOptions store;
    @Mixin LogOptions logging;

    @Option(names = "--svid-ttl", defaultValue = "24h", converter = Durations.class, description = "Lifetime of issued SVIDs (default: ${DEFAULT-VALUE}).")
    Duration svidTtl;

    @Option(names = "--crl-validity", defaultValue = "48h", converter = Durations.class, description = "Validity of published CRLs; re-signed at half (default: ${DEFAULT-VALUE}).")
    Duration crlValidity;

    @Option(names = "--replica", description = "This replica's name in logs and CSR conditions (default: the host name).")
    String replica;

    @Override
    public void run() {
        logging.apply();
        KeydSettings defaults = KeydSettings.defaults();
        KeydSettings settings = new KeydSettings(svidTtl, crlValidity, defaults.maintenanceInterval(), defaults.requestRetention());
        IdentityStore s = store.open();
        KeyDaemon daemon = KeyDaemon.start(s, settings, Clock.systemUTC(), replica != null ? replica : hostName());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            s.close();
            stopped.countDown();
        }));
        awaitQuietly(stopped);
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "keyd-" + ProcessHandle.current().pid();
        }
    }
}
