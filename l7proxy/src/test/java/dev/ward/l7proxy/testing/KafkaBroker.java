package dev.ward.l7proxy.testing;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker (org.apache.kafka:kafka_2.13, KRaft mode, broker and controller in one) in its own JVM in
 * the lab's server namespace, formatted fresh for each run.
 */
public final class KafkaBroker {
    public static final int PORT = 9092;
    private final String ip;

    private KafkaBroker(String ip) {
        this.ip = ip;
    }

    /**
     * How a broker is started: its JVM options, and server properties over the base ones (single node, KRaft,
     * one partition per topic, no automatic topics).
     */
    public record Settings(List<String> jvmOptions, Map<String, String> properties) {
        public Settings {
            jvmOptions = List.copyOf(jvmOptions);
            properties = Map.copyOf(properties);
        }

        /** As the l7proxy tests start it on the host. */
        public static final Settings HOST = new Settings(List.of("-Xms256m", "-Xmx512m", "-XX:+UseSerialGC"),
                Map.of("offsets.topic.num.partitions", "1"));

        /**
         * For one slow CPU (the lab's user-mode Linux guest): C1 only (peak speed is never reached in a lab's
         * minutes, start-up is what costs), a small heap, one thread per pool.
         */
        public static final Settings SLOW_CPU = new Settings(List.of("-Xms128m", "-Xmx384m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xss512k"), Map.ofEntries(
                Map.entry("offsets.topic.num.partitions", "1"), Map.entry("transaction.state.log.num.partitions", "1"),
                Map.entry("num.network.threads", "1"), Map.entry("num.io.threads", "2"),
                Map.entry("background.threads", "2"), Map.entry("num.replica.fetchers", "1"),
                Map.entry("num.recovery.threads.per.data.dir", "1"), Map.entry("group.coordinator.threads", "1"),
                Map.entry("share.coordinator.threads", "1"), Map.entry("log.cleaner.enable", "false")));

        /** These settings with {@code more} JVM options after their own. */
        public Settings withJvmOptions(List<String> more) {
            List<String> o = new ArrayList<>(jvmOptions);
            o.addAll(more);
            return new Settings(o, properties);
        }

        public Settings with(String key, String value) {
            Map<String, String> p = new java.util.HashMap<>(properties);
            p.put(key, value);
            return new Settings(jvmOptions, p);
        }
    }

    public static KafkaBroker start(TransparentLab lab, String ip) throws IOException, InterruptedException {
        return start(lab, ip, Settings.HOST);
    }

    /**
     * Formats a fresh log directory and starts the broker, both in one JVM ({@link KafkaServerMain}: a JVM start
     * less, seconds on a slow CPU), and waits until it listens.
     */
    public static KafkaBroker start(TransparentLab lab, String ip, Settings settings)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("ward-l7-kafka-");
        Path props = dir.resolve("server.properties");
        StringBuilder more = new StringBuilder();
        settings.properties().forEach((k, v) -> more.append(k).append('=').append(v).append('\n'));
        Files.writeString(props, more + """
                process.roles=broker,controller
                node.id=1
                controller.quorum.voters=1@%1$s:9093
                listeners=PLAINTEXT://%1$s:%2$d,CONTROLLER://%1$s:9093
                advertised.listeners=PLAINTEXT://%1$s:%2$d
                controller.listener.names=CONTROLLER
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                inter.broker.listener.name=PLAINTEXT
                log.dirs=%3$s
                num.partitions=1
                offsets.topic.replication.factor=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                group.initial.rebalance.delay.ms=0
                auto.create.topics.enable=false
                """.formatted(ip, PORT, dir.resolve("data")));
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> run = new ArrayList<>(List.of(java));
        run.addAll(settings.jvmOptions());
        run.addAll(List.of("-Dlog4j2.level=WARN", "-cp", System.getProperty("java.class.path"),
                KafkaServerMain.class.getName(), Uuid.randomUuid().toString(), props.toString()));
        lab.startInServer(run, dir.resolve("broker.log"));
        Listening.await(lab, lab.serverNamespace(), ip, PORT, dir.resolve("broker.log"));
        return new KafkaBroker(ip);
    }

    public String bootstrap() {
        return ip + ":" + PORT;
    }

    /** Creates topics from inside the server namespace (directly, not through the proxy). */
    public void createTopics(TransparentLab lab, String... topics) {
        lab.callIn(lab.serverNamespace(), () -> {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
                List<NewTopic> t = new ArrayList<>();
                for (String name : topics) t.add(new NewTopic(name, 1, (short) 1));
                admin.createTopics(t).all().get(60, TimeUnit.SECONDS);
            }
            return null;
        });
    }
}
