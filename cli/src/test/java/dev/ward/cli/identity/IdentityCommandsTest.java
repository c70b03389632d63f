package dev.ward.cli.identity;

import dev.ward.cli.CliRun;
import static dev.ward.cli.CliRun.wardctl;

import dev.ward.cli.CliExit;
import dev.ward.pki.ClusterTrust;
import dev.ward.pki.Pem;
import dev.ward.pki.SpiffeBundleJson;
import dev.ward.pki.TrustBundle;
import dev.ward.pki.TrustDomains;
import dev.ward.testbed.EtcdProcess;
import dev.ward.testbed.OpenSsl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The operator's identity commands end to end: wardctl in-process, {@code ward keyd} and {@code ward agent} as
 * real processes on the same store, stopped with SIGTERM.
 */
class IdentityCommandsTest {
    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopProcesses() throws Exception {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    @Test
    void anOperatorRunsTheWholeLifecycleOnADirectoryStore() throws Exception {
        String store = "dir:" + tmp.resolve("store");
        CliRun before = wardctl("ca", "show", "--store", store);
        assertEquals(1, before.exit());
        assertTrue(before.err().contains("wardctl ca init"), before.err());

        assertEquals(0, wardctl("ca", "init", "--store", store, "--trust-domain", "cli.test").exit());
        CliRun again = wardctl("ca", "init", "--store", store);
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("already exists"), again.err());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve("store/ca-keyring.pem"))));

        String bundlePem = wardctl("ca", "bundle", "--store", store).out();
        TrustBundle bundle = TrustBundle.fromPem(bundlePem);
        assertEquals("cli.test", bundle.trustDomain().getName());
        assertEquals(bundle, SpiffeBundleJson.decode(wardctl("ca", "bundle", "--format", "spiffe", "--store", store).out(), TrustDomains.parse("cli.test")).bundle());
        assertEquals(1, Pem.crls(wardctl("ca", "crl", "--store", store).out(), "crl").size());
        assertTrue(wardctl("ca", "show", "-o", "json", "--store", store).out().contains("\"role\" : \"issuing\""));

        String token = wardctl("node", "token", "create", "n1", "--ttl", "10m", "--store", store).out().trim();
        assertTrue(token.startsWith("wardjt_"), token);
        Path tokenFile = Files.writeString(tmp.resolve("token"), token);

        daemon("keyd", "--store", store, "--replica", "test");
        Path state = tmp.resolve("state-n1");
        daemon("agent", "--store", store, "--node", "n1", "--state-dir", state.toString(), "--token-file", tokenFile.toString());
        await(Duration.ofSeconds(60), "the agent to write its SVID", () -> Files.exists(state.resolve("svid.pem")));
        String svid = state.resolve("svid.pem").toString();

        CliRun ok = wardctl("svid", "verify", svid, "--store", store, "--node", "n1");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("valid SVID for spiffe://cli.test/ward/node/n1"), ok.out());
        assertTrue(wardctl("svid", "show", svid).out().contains("spiffe://cli.test/ward/node/n1"));
        assertEquals(1, wardctl("svid", "verify", svid, "--store", store, "--node", "n2").exit(), "wrong node");
        assertTrue(wardctl("node", "list", "-o", "json", "--store", store).out().contains("\"state\" : \"active\""));
        assertTrue(OpenSsl.verify(Files.readString(state.resolve("svid.pem")), Files.readString(state.resolve("bundle.pem")),
                Files.readString(state.resolve("crl.pem"))).ok());

        String crlBefore = Files.readString(state.resolve("crl.pem"));
        assertEquals(0, wardctl("node", "revoke", "n1", "--store", store).exit());
        CliRun revoked = wardctl("svid", "verify", svid, "--store", store);
        assertEquals(1, revoked.exit());
        assertTrue(revoked.err().contains("REVOKED"), revoked.err());
        // The running agent follows the store: its crl.pem now revokes its own SVID, for tools reading the files.
        await(Duration.ofSeconds(5), "the agent's crl.pem to change", () -> {
            try {
                return !Files.readString(state.resolve("crl.pem")).equals(crlBefore);
            } catch (java.io.IOException e) {
                return false;
            }
        });
        CliRun offline = wardctl("svid", "verify", svid, "--bundle", state.resolve("bundle.pem").toString(), "--crl", state.resolve("crl.pem").toString());
        assertEquals(1, offline.exit());
        assertTrue(offline.err().contains("REVOKED"), offline.err());
        assertFalse(OpenSsl.verify(Files.readString(state.resolve("svid.pem")), Files.readString(state.resolve("bundle.pem")),
                Files.readString(state.resolve("crl.pem"))).ok());

        Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "hello");
        CliRun bad = wardctl("svid", "verify", garbage.toString(), "--store", store);
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("no PEM block"), bad.err());

        assertEquals(0, wardctl("ca", "rotate", "--store", store).exit());
        assertEquals(2, TrustBundle.fromPem(wardctl("ca", "bundle", "--store", store).out()).authorities().size());
        assertEquals(0, wardctl("ca", "retire", "--store", store).exit(), "the only node is revoked, nothing depends on the old CA");
        CliRun retireAgain = wardctl("ca", "retire", "--store", store);
        assertTrue(retireAgain.err().contains("no CA is retiring"), retireAgain.err());
    }

    @Test
    void etcdStoresKeepTheCaKeyInItsOwnFile() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start()) {
            String store = "etcd://" + etcd.endpoint().replace("http://", "");
            Path keyFile = tmp.resolve("keyd/ca-keyring.pem");
            CliRun missing = wardctl("ca", "rotate", "--store", store, "--ca-key-file", keyFile.toString());
            assertEquals(1, missing.exit());
            assertTrue(missing.err().contains("wardctl ca init --store " + store + " --ca-key-file " + keyFile), missing.err());
            assertEquals(0, wardctl("ca", "init", "--store", store, "--ca-key-file", keyFile.toString()).exit());
            assertTrue(Files.readString(keyFile).contains("PRIVATE KEY"));
            ClusterTrust trust = ClusterTrust.fromPem(wardctl("ca", "bundle", "--store", store).out(), wardctl("ca", "crl", "--store", store).out());
            assertEquals("cluster.local", trust.bundle().trustDomain().getName());
        }
    }

    @Test
    void badArgumentsAreNamed() {
        CliRun store = wardctl("ca", "show", "--store", "consul://x");
        assertEquals(1, store.exit());
        assertTrue(store.err().contains("unknown store"), store.err());
        CliRun ttl = wardctl("node", "token", "create", "n1", "--ttl", "soon", "--store", "dir:" + tmp);
        assertEquals(CliExit.USAGE, ttl.exit());
        assertTrue(ttl.err().contains("not a duration"), ttl.err());
        CliRun k8sToken = wardctl("node", "token", "create", "n1", "--store", "dir:" + tmp.resolve("s"));
        assertEquals(0, k8sToken.exit(), "a token needs no CA, only the store: " + k8sToken.err());
    }

    private static void await(Duration timeout, String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out after " + timeout + " waiting for " + what);
            Thread.sleep(50);
        }
    }

    private void daemon(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.ward.cli.Ward"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(args[0] + "-" + processes.size() + ".log").toFile()).start();
        processes.add(p);
    }
}
