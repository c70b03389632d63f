package dev.ward.l7proxy.testing;

/**
 * Formats a KRaft log directory and runs the broker in the same JVM, where Kafka's scripts start two: on a slow
 * CPU a JVM start and Kafka's class loading cost seconds each time.
 *
 * <p>{@code main(clusterId, server.properties)}.
 */
public final class KafkaServerMain {
    private KafkaServerMain() {}

    public static void main(String[] args) {
        if (args.length != 2) throw new IllegalArgumentException("usage: KafkaServerMain CLUSTER_ID SERVER_PROPERTIES");
        int formatted = kafka.tools.StorageTool.execute(new String[] {"format", "-t", args[0], "-c", args[1]}, System.out);
        if (formatted != 0) {
            System.err.println("kafka storage format of " + args[1] + " failed with " + formatted);
            System.exit(formatted);
        }
        kafka.Kafka.main(new String[] {args[1]});
    }
}
