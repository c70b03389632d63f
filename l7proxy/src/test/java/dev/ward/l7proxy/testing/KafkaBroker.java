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

    public static KafkaBroker start(TransparentLab lab, String ip) throws IOException, InterruptedException {
        return start(lab, ip, Map.of());
    }

    /** A broker with {@code extra} server properties over the defaults here (e.g. its metric reporters). */
    public static KafkaBroker start(TransparentLab lab, String ip, Map<String, String> extra)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("ward-l7-kafka-");
        Path props = dir.resolve("server.properties");
        StringBuilder more = new StringBuilder();
        extra.forEach((k, v) -> more.append(k).append('=').append(v).append('\n'));
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
        String cp = System.getProperty("java.class.path");
        List<String> jvm = new ArrayList<>(List.of(java, "-Xms256m", "-Xmx512m", "-XX:+UseSerialGC",
                "-Dlog4j2.level=WARN", "-cp", cp));
        List<String> format = new ArrayList<>(jvm);
        format.addAll(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", props.toString()));
        Process f = new ProcessBuilder(format).redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!f.waitFor(120, TimeUnit.SECONDS) || f.exitValue() != 0) {
            throw new IOException("kafka storage format failed: " + Files.readString(dir.resolve("format.log")));
        }
        List<String> run = new ArrayList<>(jvm);
        run.addAll(List.of("kafka.Kafka", props.toString()));
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
