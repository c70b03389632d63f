package dev.ward.l7proxy.parsers.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultProtocolVersion;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.servererrors.UnauthorizedException;
import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.testing.CassandraServer;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.ProxyInLab;
import dev.ward.l7proxy.testing.SeedPolicies;
import dev.ward.l7proxy.testing.TransparentLab;
import dev.ward.policy.model.Direction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.ward.l7proxy.testing.TransparentLab.SERVER_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's Empire Cassandra policy, as written, on a real Cassandra with the DataStax Java driver in a pod
 * namespace behind the transparent proxy, over protocol v4 and over v5 (segment framing), each forced, and with
 * the version left to the driver's negotiation (it opens with DSE_V2, then DSE_V1, and settles on v5).
 */
class CassandraThroughProxyTest {
    static final String OUTPOST = "10.77.1.60";

    static TransparentLab lab;
    static ProxyInLab proxy;
    static String outpost;

    @BeforeAll
    static void start() throws Exception {
        lab = TransparentLab.create();
        outpost = lab.addPod(OUTPOST);
        EngineRedirectLookup lookup = EngineRedirectLookup.withPolicies(SeedPolicies.cassandra());
        lookup.pod(OUTPOST, "app=empire-outpost", false);
        lookup.pod(SERVER_IP, "app=cass-server", true);
        proxy = ProxyInLab.start(lab, lookup, Direction.INGRESS);
        CassandraServer.start(lab, SERVER_IP);
        // The schema is made on the server's own host, not through the proxy.
        lab.callIn(lab.serverNamespace(), () -> {
            try (CqlSession s = session(null)) {
                s.execute("CREATE KEYSPACE IF NOT EXISTS attendance WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
                s.execute("CREATE TABLE IF NOT EXISTS attendance.daily_records (outpost text, day int, present int, PRIMARY KEY (outpost, day))");
            }
            return null;
        });
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (lab != null) lab.close();
    }

    static CqlSession session(DefaultProtocolVersion version) {
        var config = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(20))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(20))
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(20))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(20));
        if (version != null) config = config.withString(DefaultDriverOption.PROTOCOL_VERSION, version.name());
        return CqlSession.builder().addContactPoint(new InetSocketAddress(SERVER_IP, CassandraServer.PORT))
                .withLocalDatacenter("datacenter1").withConfigLoader(config.build()).build();
    }

    /** What the outpost saw, gathered inside its namespace (the driver's I/O threads start where it is used). */
    record Outcome(String protocol, String releaseVersion, int inserted, List<String> refusals, int rowsAfterRefusals) {}

    static final String NEGOTIATED = "negotiated";

    @ParameterizedTest(name = "protocol {0}")
    @ValueSource(strings = {"V4", "V5", NEGOTIATED})
    void outpostsReadSystemTablesAndWriteAttendanceButNothingElse(String version) throws Exception {
        boolean negotiated = version.equals(NEGOTIATED);
        proxy.clearEvents();
        double malformedBefore = proxy.proxy.metrics().errors("cassandra", ErrorKind.MALFORMED);
        Outcome o = lab.callIn(outpost, () -> {
            try (CqlSession s = session(negotiated ? null : DefaultProtocolVersion.valueOf(version))) {
                String release = s.execute("SELECT release_version FROM system.local").one().getString(0);
                PreparedStatement insert = s.prepare("INSERT INTO attendance.daily_records (outpost, day, present) VALUES (?, ?, ?)");
                int n = 0;
                for (int day = 1; day <= 3; day++) {
                    s.execute(insert.bind("hoth-" + version, day, 40 + day));
                    n++;
                }
                s.execute("INSERT INTO attendance.daily_records (outpost, day, present) VALUES ('endor-" + version + "', 1, 7)");
                n++;
                List<String> refused = new ArrayList<>();
                for (String cql : List.of("SELECT * FROM attendance.daily_records",
                        "DELETE FROM attendance.daily_records WHERE outpost = 'hoth'",
                        "/* select */ DROP TABLE attendance.daily_records",
                        "BEGIN BATCH INSERT INTO attendance.daily_records (outpost, day, present) VALUES ('x', 1, 1); "
                                + "DELETE FROM attendance.daily_records WHERE outpost = 'hoth' APPLY BATCH")) {
                    try {
                        s.execute(cql);
                        refused.add("ALLOWED: " + cql);
                    } catch (UnauthorizedException e) {
                        refused.add("unauthorized");
                    }
                }
                try {
                    s.prepare("SELECT present FROM attendance.daily_records WHERE outpost = ?");
                    refused.add("ALLOWED: prepare select");
                } catch (UnauthorizedException e) {
                    refused.add("unauthorized");
                }
                int rows = s.execute("SELECT * FROM system_schema.tables WHERE keyspace_name = 'attendance'").all().size();
                return new Outcome(s.getContext().getProtocolVersion().name(), release, n, refused, rows);
            }
        });
        assertEquals(negotiated ? "V5" : version, o.protocol(), "the highest version both the proxy and Cassandra 5.0 speak");
        assertTrue(o.releaseVersion().startsWith("5.0"), o.releaseVersion());
        assertEquals(4, o.inserted());
        assertEquals(List.of("unauthorized", "unauthorized", "unauthorized", "unauthorized", "unauthorized"), o.refusals());
        assertEquals(1, o.rowsAfterRefusals(), "the session carries on after the refusals");
        int written = lab.callIn(lab.serverNamespace(), () -> {
            try (CqlSession s = session(null)) {
                return s.execute("SELECT * FROM attendance.daily_records WHERE outpost = 'hoth-" + version + "'").all().size();
            }
        });
        assertEquals(3, written, "the prepared inserts reached the server");
        L7AccessEvent denied = proxy.awaitEvent(e -> e.outcome() == L7AccessEvent.Outcome.DENIED
                && "drop".equals(e.fields().get("query_action")), "for the DROP hidden behind a comment");
        assertEquals("attendance.daily_records", denied.fields().get("query_table"));
        List<String> offersAnswered = proxy.events().stream()
                .filter(e -> e.type() == L7AccessEvent.Type.REPLY && e.fields().containsKey("protocol_version"))
                .map(e -> e.fields().get("protocol_version") + " " + e.fields().get("error") + " " + e.outcome()).toList();
        assertEquals(negotiated ? List.of("66 Protocol_error FORWARDED", "65 Protocol_error FORWARDED") : List.of(), offersAnswered,
                "the proxy answered the driver's DSE_V2 and DSE_V1 offers, and only when it negotiated");
        assertEquals(malformedBefore, proxy.proxy.metrics().errors("cassandra", ErrorKind.MALFORMED),
                "no connection was closed as malformed");
    }
}
