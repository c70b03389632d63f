package dev.ward.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache Cassandra (org.apache.cassandra:cassandra-all from Maven, one node) in a lab pod, with the settings
 * bench/l7-guest-servers measured for the guest's one slow CPU (about 50 s to a driver session there). Cassandra 5.0
 * runs on Java 11 or 17 and brings its own netty 4.1, so it gets its own JVM (Debian's openjdk-17) and its own class
 * path, which {@link #resolve} has Maven write on the host before the guest boots (the guest's one CPU would spend a
 * minute on it).
 */
public final class LabCassandra {
    public static final String VERSION = "5.0.6";
    static final int PORT = 9042;

    private LabCassandra() {}

    private static Path classpathFile(Path workDir) {
        return workDir.toAbsolutePath().resolve("cassandra").resolve("classpath-" + VERSION + ".txt");
    }

    /** Resolves cassandra-all and its dependencies with Maven into the lab's work directory (once). */
    public static void resolve(Path workDir) throws IOException, InterruptedException {
        Path file = classpathFile(workDir);
        if (Files.exists(file)) return;
        Path dir = Files.createDirectories(file.getParent());
        Path pom = dir.resolve("pom.xml");
        Files.writeString(pom, """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>dev.ward.lab</groupId>
                  <artifactId>cassandra-server</artifactId>
                  <version>1</version>
                  <dependencies>
                    <dependency><groupId>org.apache.cassandra</groupId><artifactId>cassandra-all</artifactId><version>%s</version></dependency>
                  </dependencies>
                </project>
                """.formatted(VERSION));
        Path log = dir.resolve("resolve.log");
        Process p = new ProcessBuilder("mvn", "-q", "-B", "-f", pom.toString(), "dependency:build-classpath", "-Dmdep.outputFile=" + file)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(900, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(file)) {
            throw new IOException("cannot resolve cassandra-all " + VERSION + " with Maven: " + Files.readString(log));
        }
    }

    /** Starts Cassandra for {@code pod} (listening on its address); {@link PodServer#awaitListening} tells when it is up. */
    static PodServer start(LabNetwork.Pod pod, Path workDir, Path dir) throws IOException {
        Path cpFile = classpathFile(workDir);
        if (!Files.exists(cpFile)) throw new IOException("Cassandra's class path was not resolved before the guest booted: " + cpFile);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cassandra.yaml"), """
                cluster_name: ward-lab
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
                """.formatted(dir, pod.ip().getHostAddress(), PORT));
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%level %logger{20} %msg%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                  <logger name="org.apache.cassandra.service.CassandraDaemon" level="INFO"/>
                </configuration>
                """);
        List<String> cmd = new ArrayList<>(List.of(java17(), "-Xms256m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData", "-Xss512k", "-Dcassandra.unsafesystem=true", "-Dcassandra.skip_wait_for_gossip_to_settle=0",
                "-Dcassandra.load_ring_state=false", "-Djdk.attach.allowAttachSelf=true", "-Dcassandra-foreground=yes",
                "-Dcassandra.config=file://" + dir.resolve("cassandra.yaml"), "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
                "-Dcassandra.storagedir=" + dir));
        // What Cassandra's own jvm17-server.options opens up.
        for (String m : List.of("java.base/jdk.internal.misc", "java.base/jdk.internal.ref", "java.base/sun.nio.ch",
                "java.management.rmi/com.sun.jmx.remote.internal.rmi", "java.rmi/sun.rmi.registry", "java.rmi/sun.rmi.server", "java.sql/java.sql")) {
            cmd.addAll(List.of("--add-exports", m + "=ALL-UNNAMED"));
        }
        for (String m : List.of("java.base/java.lang.module", "java.base/jdk.internal.loader", "java.base/jdk.internal.ref",
                "java.base/jdk.internal.reflect", "java.base/jdk.internal.math", "java.base/jdk.internal.module",
                "java.base/jdk.internal.util.jar", "jdk.management/com.sun.management.internal", "java.base/sun.nio.ch",
                "java.base/java.io", "java.base/java.nio", "java.base/java.lang", "java.base/java.util",
                "java.base/java.util.concurrent", "java.base/java.util.concurrent.atomic", "java.base/java.lang.reflect", "java.base/java.net")) {
            cmd.addAll(List.of("--add-opens", m + "=ALL-UNNAMED"));
        }
        cmd.addAll(List.of("-cp", Files.readString(cpFile).strip(), "org.apache.cassandra.service.CassandraDaemon"));
        return PodServer.start("cassandra", pod, cmd, dir.resolve("cassandra.log"));
    }

    private static String java17() throws IOException {
        for (String dir : List.of("/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-11-openjdk-amd64")) {
            Path java = Path.of(dir, "bin", "java");
            if (Files.isExecutable(java)) return java.toString();
        }
        throw new IOException("Cassandra " + VERSION + " needs Java 11 or 17 (Debian's openjdk-17-jre-headless; scripts/install-deps installs it)");
    }
}
