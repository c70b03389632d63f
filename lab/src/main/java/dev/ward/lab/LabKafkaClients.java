package dev.ward.lab;

import dev.ward.netlink.NetworkNamespace;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * kafka-clients as the lab's pods use them: made in the pod's namespace, so their sockets (and, for a bootstrap
 * given by name, their DNS lookups) come from the pod. {@code bootstrap} is {@code host:port}.
 */
final class LabKafkaClients {
    private LabKafkaClients() {}

    private static Properties clientProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "lab");
        return p;
    }

    static KafkaProducer<String, String> producer(LabNetwork.Pod from, String bootstrap) {
        Properties p = clientProperties(bootstrap);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        // Its network thread starts here, in the pod's namespace, where its sockets are then made.
        return NetworkNamespace.call(from.netns(), () -> new KafkaProducer<>(p, new StringSerializer(), new StringSerializer()));
    }

    /** Produces one record and returns the offset it was acked at; fails naming the cause otherwise. */
    static long produce(LabNetwork.Pod from, KafkaProducer<String, String> p, String topic, String key, String value) {
        return NetworkNamespace.call(from.netns(), () -> p.send(new ProducerRecord<>(topic, key, value)).get(90, TimeUnit.SECONDS).offset());
    }

    static String produceError(LabNetwork.Pod from, String bootstrap, String topic) {
        try (KafkaProducer<String, String> p = producer(from, bootstrap)) {
            return NetworkNamespace.call(from.netns(), () -> {
                try {
                    p.send(new ProducerRecord<>(topic, "x", "y")).get(90, TimeUnit.SECONDS);
                    return "acked (not refused)";
                } catch (ExecutionException e) {
                    return describe(e.getCause());
                } catch (org.apache.kafka.common.KafkaException e) {
                    // An idempotent producer's refused InitProducerId is fatal: if it lands before send, send itself
                    // throws "in an error state" with the broker's authorization error as its cause.
                    return describe(e);
                }
            });
        }
    }

    /** The first authorization error in {@code t}'s cause chain, else {@code t} itself: class name and message. */
    private static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof AuthorizationException) return c.getClass().getSimpleName() + ": " + c.getMessage();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** A consumer without a group (assigned partition 0, from the start), polled in the pod: the classic consumer polls on the caller's thread. */
    static List<String> consume(LabNetwork.Pod from, String bootstrap, String topic) {
        return NetworkNamespace.call(from.netns(), () -> {
            try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
                TopicPartition tp = new TopicPartition(topic, 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                List<String> values = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (values.isEmpty() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofSeconds(2))) values.add(r.value());
                }
                return values;
            }
        });
    }

    static String consumeError(LabNetwork.Pod from, String bootstrap, String topic) {
        return NetworkNamespace.call(from.netns(), () -> {
            try (KafkaConsumer<String, String> c = consumer(bootstrap)) {
                TopicPartition tp = new TopicPartition(topic, 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (System.nanoTime() < deadline) {
                    try {
                        if (!c.poll(Duration.ofSeconds(2)).isEmpty()) return "records read (not refused)";
                    } catch (org.apache.kafka.common.KafkaException e) {
                        return e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                }
                return "nothing within 90 s (neither records nor an error)";
            }
        });
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap) {
        Properties p = clientProperties(bootstrap);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }
}
