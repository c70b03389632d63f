package dev.ward.cli.identity;

import dev.ward.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.ward.cli.CliRun.wardctl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default store is Kubernetes. On a machine with no kubeconfig and outside any cluster there is no API to
 * ask: the command says so at once, and how to name another store, instead of retrying for half a minute.
 */
class NoKubernetesTest {
    @TempDir
    Path tmp;

    @Test
    void withoutAnyClusterTheDefaultStoreFailsAtOnceNamingTheWayOut() {
        // fabric8 reads the kubeconfig path from this property before $KUBECONFIG and ~/.kube/config.
        String saved = System.getProperty("kubeconfig");
        System.setProperty("kubeconfig", tmp.resolve("no-such-kubeconfig").toString());
        try {
            long start = System.nanoTime();
            CliRun list = wardctl("node", "list");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(1, list.exit(), list.out());
            String err = list.err().strip();
            assertTrue(err.contains("no Kubernetes API is reachable"), err);
            assertTrue(err.contains("--store etcd://HOST:PORT") && err.contains("dir:PATH"), err);
            assertFalse(err.contains("\n"), "one line: " + err);
            assertTrue(millis < 5_000, "took " + millis + " ms");
        } finally {
            if (saved == null) System.clearProperty("kubeconfig");
            else System.setProperty("kubeconfig", saved);
        }
    }
}
