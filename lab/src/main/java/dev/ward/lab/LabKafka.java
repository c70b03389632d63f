package dev.ward.lab;

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
 * A real Kafka broker (org.apache.kafka:kafka_2.13, KRaft, broker and controller in one JVM) in a lab pod, with the
 * settings bench/l7-guest-servers measured for the guest's one slow CPU (about 25 s to listen there).
 *
 * <p>{@code main(clusterId, server.properties)} formats the log directory and runs the broker in the same JVM: a
 * JVM start less, seconds in the guest.
 */
public final class LabKafka {
    static final int PORT = 9092;
    private static final List<String> SLOW_CPU_JVM = List.of("-Xms128m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData", "-Xss512k", "-Dlog4j2.level=WARN");

    private LabKafka() {}

    /** Starts the broker for {@code pod} (it listens on the pod's address); {@link PodServer#awaitListening} tells when it is up. */
    static PodServer start(LabNetwork.Pod pod, Path dir) throws IOException {
        return start(pod, dir, null);
    }

    /**
     * As {@link #start(LabNetwork.Pod, Path)}, advertising itself to clients as {@code name} (null: its address), so
     * clients reach it by resolving that name; the broker itself finds the name in a hosts file of its own.
     */
    static PodServer start(LabNetwork.Pod pod, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path props = dir.resolve("server.properties");
        Files.writeString(props, """
                process.roles=broker,controller
                node.id=1
                controller.quorum.voters=1@%1$s:9093
                listeners=PLAINTEXT://%1$s:%2$d,CONTROLLER://%1$s:9093
                advertised.listeners=PLAINTEXT://%4$s:%2$d
                controller.listener.names=CONTROLLER
                listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
                inter.broker.listener.name=PLAINTEXT
                log.dirs=%3$s
                num.partitions=1
                offsets.topic.num.partitions=1
                offsets.topic.replication.factor=1
                transaction.state.log.num.partitions=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                group.initial.rebalance.delay.ms=0
                auto.create.topics.enable=false
                num.network.threads=1
                num.io.threads=2
                background.threads=2
                num.replica.fetchers=1
                num.recovery.threads.per.data.dir=1
                group.coordinator.threads=1
                share.coordinator.threads=1
                log.cleaner.enable=false
                """.formatted(pod.ip().getHostAddress(), PORT, dir.resolve("data"), name == null ? pod.ip().getHostAddress() : name));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(SLOW_CPU_JVM);
        if (name != null) {
            Path hosts = dir.resolve("hosts");
            Files.writeString(hosts, pod.ip().getHostAddress() + " " + name + "\n");
            cmd.add("-Djdk.net.hosts.file=" + hosts);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LabKafka.class.getName(), Uuid.randomUuid().toString(), props.toString()));
        return PodServer.start("kafka", pod, cmd, dir.resolve("broker.log"));
    }

    static String bootstrap(LabNetwork.Pod pod) {
        return pod.ip().getHostAddress() + ":" + PORT;
    }

    /** Creates {@code topics} from inside the broker's pod (its own address: no policy between). */
    static void createTopics(LabNetwork.Pod pod, String... topics) {
        createTopics(pod, Map.of(), topics);
    }

    /** As {@link #createTopics(LabNetwork.Pod, String...)}, with more admin client settings. */
    static void createTopics(LabNetwork.Pod pod, Map<String, Object> settings, String... topics) {
        Map<String, Object> config = new java.util.HashMap<>(settings);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(pod));
        dev.ward.netlink.NetworkNamespace.call(pod.netns(), () -> {
            try (Admin admin = Admin.create(config)) {
                List<NewTopic> t = new ArrayList<>();
                for (String name : topics) t.add(new NewTopic(name, 1, (short) 1));
                admin.createTopics(t).all().get(120, TimeUnit.SECONDS);
            }
            return null;
        });
    }

    public static void main(String[] args) {
        if (args.length != 2) throw new IllegalArgumentException("usage: LabKafka CLUSTER_ID SERVER_PROPERTIES");
        int formatted = kafka.tools.StorageTool.execute(new String[] {"format", "-t", args[0], "-c", args[1]}, System.out);
        if (formatted != 0) {
            System.err.println("kafka storage format of " + args[1] + " failed with " + formatted);
            System.exit(formatted);
        }
        kafka.Kafka.main(new String[] {args[1]});
    }
}
