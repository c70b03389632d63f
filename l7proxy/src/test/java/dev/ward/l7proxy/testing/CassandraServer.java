package dev.ward.l7proxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache Cassandra (org.apache.cassandra:cassandra-all from Maven, single node) in the lab's server
 * namespace. Cassandra 5.0 runs on Java 11 or 17 and brings its own netty 4.1, so it gets its own JVM (Debian's
 * openjdk-17) and its own class path, resolved once by Maven into target/cassandra.
 */
public final class CassandraServer {
    public static final String VERSION = "5.0.6";
    public static final int PORT = 9042;
    private static final Path WORK = Path.of("target/cassandra");

    private CassandraServer() {}

    /** How Cassandra is started: its JVM options, and cassandra.yaml lines added to the base ones. */
    public record Settings(List<String> jvmOptions, String yaml) {
        public Settings {
            jvmOptions = List.copyOf(jvmOptions);
        }

        /** These settings with {@code more} JVM options after their own. */
        public Settings withJvmOptions(List<String> more) {
            List<String> o = new ArrayList<>(jvmOptions);
            o.addAll(more);
            return new Settings(o, yaml);
        }

        /** As the l7proxy tests start it on the host. */
        public static final Settings HOST = new Settings(List.of("-Xms512m", "-Xmx1g", "-XX:+UseG1GC",
                "-Dcassandra.jmx.local.port=7199"), "");

        /**
         * For one slow CPU (the lab's user-mode Linux guest): C1 only, a small heap with small memtables and no
         * caches, few threads, no JMX server, no fsync of the system keyspaces, no wait for gossip to settle
         * (there is one node).
         */
        public static final Settings SLOW_CPU = new Settings(List.of("-Xms256m", "-Xmx512m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xss512k", "-Dcassandra.unsafesystem=true",
                "-Dcassandra.skip_wait_for_gossip_to_settle=0", "-Dcassandra.load_ring_state=false"), """
                memtable_heap_space: 32MiB
                memtable_offheap_space: 32MiB
                concurrent_reads: 2
                concurrent_writes: 2
                concurrent_counter_writes: 2
                concurrent_materialized_view_writes: 1
                concurrent_compactors: 1
                native_transport_max_threads: 8
                key_cache_size: 0MiB
                counter_cache_size: 0MiB
                hinted_handoff_enabled: false
                auto_snapshot: false
                commitlog_segment_size: 8MiB
                """);
    }

    public static void start(TransparentLab lab, String ip) throws IOException, InterruptedException {
        start(lab, ip, Settings.HOST);
    }

    public static void start(TransparentLab lab, String ip, Settings settings) throws IOException, InterruptedException {
        String cp = classpath();
        Path dir = Files.createTempDirectory("ward-l7-cassandra-");
        Files.writeString(dir.resolve("cassandra.yaml"), """
                cluster_name: ward-l7
                num_tokens: 1
                partitioner: org.apache.cassandra.dht.Murmur3Partitioner
                commitlog_sync: periodic
                commitlog_sync_period: 10000ms
                data_file_directories: [%1$s/data]
                commitlog_directory: %1$s/commitlog
                saved_caches_directory: %1$s/caches
                hints_directory: %1$s/hints
                cdc_raw_directory: %1$s/cdc
                seed_provider:
                  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
                    parameters:
                      - seeds: "%2$s"
                listen_address: %2$s
                rpc_address: %2$s
                native_transport_port: %3$d
                storage_port: 7000
                endpoint_snitch: SimpleSnitch
                start_native_transport: true
                """.formatted(dir, ip, PORT) + settings.yaml());
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%level %logger{20} %msg%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                  <logger name="org.apache.cassandra.service.CassandraDaemon" level="INFO"/>
                </configuration>
                """);
        List<String> cmd = new ArrayList<>(List.of(java17()));
        cmd.addAll(settings.jvmOptions());
        cmd.addAll(List.of("-Djdk.attach.allowAttachSelf=true", "-Dcassandra-foreground=yes",
                "-Dcassandra.config=file://" + dir.resolve("cassandra.yaml"),
                "-Dlogback.configurationFile=" + dir.resolve("logback.xml"), "-Dcassandra.storagedir=" + dir));
        // What Cassandra's own jvm17-server.options opens up.
        for (String m : List.of("java.base/jdk.internal.misc", "java.base/jdk.internal.ref", "java.base/sun.nio.ch",
                "java.management.rmi/com.sun.jmx.remote.internal.rmi", "java.rmi/sun.rmi.registry",
                "java.rmi/sun.rmi.server", "java.sql/java.sql")) {
            cmd.addAll(List.of("--add-exports", m + "=ALL-UNNAMED"));
        }
        for (String m : List.of("java.base/java.lang.module", "java.base/jdk.internal.loader", "java.base/jdk.internal.ref",
                "java.base/jdk.internal.reflect", "java.base/jdk.internal.math", "java.base/jdk.internal.module",
                "java.base/jdk.internal.util.jar", "jdk.management/com.sun.management.internal", "java.base/sun.nio.ch",
                "java.base/java.io", "java.base/java.nio", "java.base/java.lang", "java.base/java.util",
                "java.base/java.util.concurrent", "java.base/java.util.concurrent.atomic", "java.base/java.lang.reflect",
                "java.base/java.net")) {
            cmd.addAll(List.of("--add-opens", m + "=ALL-UNNAMED"));
        }
        cmd.addAll(List.of("-cp", cp, "org.apache.cassandra.service.CassandraDaemon"));
        lab.startInServer(cmd, dir.resolve("cassandra.log"));
        Listening.await(lab, lab.serverNamespace(), ip, PORT, dir.resolve("cassandra.log"));
    }

    private static String java17() throws IOException {
        for (String dir : List.of("/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-11-openjdk-amd64")) {
            Path java = Path.of(dir, "bin", "java");
            if (Files.isExecutable(java)) return java.toString();
        }
        throw new IOException("Cassandra " + VERSION + " needs Java 11 or 17 (Debian's openjdk-17-jre-headless; "
                + "scripts/install-deps installs it)");
    }

    /** cassandra-all and its dependencies, resolved by Maven apart from the test class path. */
    private static synchronized String classpath() throws IOException, InterruptedException {
        Path file = WORK.resolve("classpath-" + VERSION + ".txt");
        if (Files.exists(file)) return Files.readString(file).strip();
        Files.createDirectories(WORK);
        Path pom = WORK.resolve("pom.xml");
        Files.writeString(pom, """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>dev.ward.test</groupId>
                  <artifactId>cassandra-server</artifactId>
                  <version>1</version>
                  <dependencies>
                    <dependency><groupId>org.apache.cassandra</groupId><artifactId>cassandra-all</artifactId><version>%s</version></dependency>
                  </dependencies>
                </project>
                """.formatted(VERSION));
        Path log = WORK.resolve("resolve.log");
        Process p = new ProcessBuilder("mvn", "-q", "-B", "-f", pom.toString(), "dependency:build-classpath",
                "-Dmdep.outputFile=" + file.toAbsolutePath()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(file)) {
            throw new IOException("cannot resolve cassandra-all " + VERSION + " with Maven: " + Files.readString(log));
        }
        return Files.readString(file).strip();
    }
}
