package dev.ward.l7proxy.parsers.memcache;

import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.Listening;
import dev.ward.l7proxy.testing.ProxyInLab;
import dev.ward.l7proxy.testing.SeedPolicies;
import dev.ward.l7proxy.testing.TransparentLab;
import dev.ward.policy.model.Direction;
import net.spy.memcached.BinaryConnectionFactory;
import net.spy.memcached.DefaultConnectionFactory;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.OperationFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.ward.l7proxy.testing.TransparentLab.SERVER_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's Rebel memcached policy, as written, on Debian's memcached with spymemcached (text and binary
 * protocol) in pod namespaces behind the transparent proxy.
 */
class MemcachedThroughProxyTest {
    static final String MAINTENANCE = "10.77.1.40";
    static final String MONITORING = "10.77.1.41";
    static final String JEDI = "10.77.1.42";

    static TransparentLab lab;
    static ProxyInLab proxy;
    static String maintenance;
    static String monitoring;
    static String jedi;

    @BeforeAll
    static void start() throws Exception {
        lab = TransparentLab.create();
        maintenance = lab.addPod(MAINTENANCE);
        monitoring = lab.addPod(MONITORING);
        jedi = lab.addPod(JEDI);
        EngineRedirectLookup lookup = EngineRedirectLookup.withPolicies(SeedPolicies.memcached());
        lookup.pod(MAINTENANCE, "function=fleet-maintanence", false);
        lookup.pod(MONITORING, "function=fleet-monitoring", false);
        lookup.pod(JEDI, "role=jedi", false);
        lookup.pod(SERVER_IP, "app=memcached", true);
        proxy = ProxyInLab.start(lab, lookup, Direction.INGRESS);
        Path log = Files.createTempFile("ward-l7-memcached", ".log");
        lab.startInServer(List.of("memcached", "-l", SERVER_IP, "-p", "11211", "-U", "0", "-u", "root", "-t", "1", "-m", "64"), log);
        Listening.await(lab, lab.serverNamespace(), SERVER_IP, 11211, log);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (lab != null) lab.close();
    }

    static MemcachedClient client(String pod, boolean binary) {
        return lab.callIn(pod, () -> new MemcachedClient(binary ? new BinaryConnectionFactory() : new DefaultConnectionFactory(),
                List.of(new InetSocketAddress(SERVER_IP, 11211))));
    }

    static boolean stored(OperationFuture<Boolean> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void fleetMaintenanceReadsAndWritesItsPrefixOverTheTextProtocol() throws Exception {
        MemcachedClient c = client(maintenance, false);
        try {
            assertTrue(stored(c.set("alliance/fleet/x-wing", 0, "red-five")));
            assertEquals("red-five", c.get("alliance/fleet/x-wing"));
            ExecutionException denied = assertThrows(ExecutionException.class, () -> stored(c.set("alliance/bases/hoth", 0, "echo-base")));
            assertEquals("CLIENT_ERROR access denied", denied.getCause().getMessage());
            assertEquals("red-five", c.get("alliance/fleet/x-wing"), "the connection carries on after a denial");
        } finally {
            c.shutdown(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void fleetMonitoringOnlyReadsOverTheBinaryProtocol() throws Exception {
        MemcachedClient writer = client(jedi, true);
        MemcachedClient c = client(monitoring, true);
        try {
            assertTrue(stored(writer.set("alliance/fleet/a-wing", 0, "green")));
            assertEquals("green", c.get("alliance/fleet/a-wing"));
            ExecutionException denied = assertThrows(ExecutionException.class, () -> stored(c.set("alliance/fleet/a-wing", 0, "stolen")));
            assertEquals("access denied", denied.getCause().getMessage());
            RuntimeException read = assertThrows(RuntimeException.class, () -> c.get("empire/plans"), "a denied get reads nothing");
            assertTrue(String.valueOf(read.getCause()).contains("access denied"), String.valueOf(read.getCause()));
            assertEquals("green", c.get("alliance/fleet/a-wing"), "the connection carries on after a denial");
            L7AccessEvent e = proxy.awaitEvent(x -> x.type() == L7AccessEvent.Type.REQUEST
                    && x.outcome() == L7AccessEvent.Outcome.DENIED && "empire".regionMatches(0, x.fields().getOrDefault("key", ""), 0, 6),
                    "denying the monitor's read of empire/...");
            assertEquals("get", e.fields().get("command"));
        } finally {
            c.shutdown(5, TimeUnit.SECONDS);
            writer.shutdown(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void theTextErrorLineIsWhatARawClientSees() throws Exception {
        String reply = lab.callIn(monitoring, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(SERVER_IP, 11211), 5000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("set alliance/fleet/y 0 0 2\r\nhi\r\nversion\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                StringBuilder sb = new StringBuilder();
                int c;
                while (sb.toString().split("\r\n", -1).length < 3 && (c = in.read()) >= 0) sb.append((char) c);
                return sb.toString();
            }
        });
        assertEquals("CLIENT_ERROR access denied\r\nCLIENT_ERROR access denied\r\n", reply,
                "set and version are both outside the monitor's rules");
    }
}
