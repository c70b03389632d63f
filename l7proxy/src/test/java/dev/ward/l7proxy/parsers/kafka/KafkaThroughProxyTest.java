package dev.ward.l7proxy.parsers.kafka;

import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.KafkaBroker;
import dev.ward.l7proxy.testing.ProxyInLab;
import dev.ward.l7proxy.testing.SeedPolicies;
import dev.ward.l7proxy.testing.TransparentLab;
import dev.ward.policy.model.Direction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.ward.l7proxy.testing.TransparentLab.SERVER_IP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The seed's Kafka policy (egress to kafka.mycorp.com, produce for empire-hq, consume for outposts), as written,
 * on a real KRaft broker with kafka-clients in pod namespaces: allowed requests work, denied ones get the
 * protocol's authorization error on a connection that stays up.
 */
class KafkaThroughProxyTest {
    static final String HQ = "10.77.1.50";
    static final String OUTPOST = "10.77.1.51";

    static TransparentLab lab;
    static ProxyInLab proxy;
    static KafkaBroker broker;
    static String hq;
    static String outpost;

    @BeforeAll
    static void start() throws Exception {
        lab = TransparentLab.create();
        hq = lab.addPod(HQ);
        outpost = lab.addPod(OUTPOST);
        EngineRedirectLookup lookup = EngineRedirectLookup.withPolicies(SeedPolicies.kafkaBehindDns());
        lookup.pod(HQ, "app=empire-hq", true);
        lookup.pod(OUTPOST, "app=outpost", true);
        lookup.learnFqdn("kafka.mycorp.com", SERVER_IP);
        proxy = ProxyInLab.start(lab, lookup, Direction.EGRESS);
        broker = KafkaBroker.start(lab, SERVER_IP);
        broker.createTopics(lab, "deathstar-plans", "empire-announce", "other-topic");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (lab != null) lab.close();
    }

    /**
     * Idempotence is off: an idempotent producer first asks InitProducerId, which Cilium's produce role (the
     * rules' meaning Ward keeps) does not include. Client telemetry is off for the same reason.
     */
    static KafkaProducer<String, String> producer(String pod) {
        Map<String, Object> c = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.ENABLE_METRICS_PUSH_CONFIG, false, ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,
                ProducerConfig.CLIENT_ID_CONFIG, "producer-" + pod.substring(pod.length() - 2),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return lab.callIn(pod, () -> new KafkaProducer<String, String>(c));
    }

    static KafkaConsumer<String, String> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.ENABLE_METRICS_PUSH_CONFIG, false, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "outpost-consumer",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
    }

    @Test
    void headquartersProducesToItsTopicsAndIsRefusedOthersOnTheSameConnection() throws Exception {
        try (KafkaProducer<String, String> p = producer(hq)) {
            p.send(new ProducerRecord<>("deathstar-plans", "plans", "exhaust port")).get(30, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>("other-topic", "x", "y")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause(), String.join("\n", proxy.events().stream().map(Object::toString).toList()));
            p.send(new ProducerRecord<>("empire-announce", "news", "the emperor arrives")).get(30, TimeUnit.SECONDS);
        }
        L7AccessEvent denied = proxy.awaitEvent(x -> x.outcome() == L7AccessEvent.Outcome.DENIED
                && "other-topic".equals(x.fields().get("topic")) && x.type() == L7AccessEvent.Type.REQUEST, "for other-topic");
        assertEquals("metadata", denied.fields().get("apiKey"));
    }

    @Test
    void anOutpostConsumesTheAnnouncementsButNothingElse() throws Exception {
        try (KafkaProducer<String, String> p = producer(hq)) {
            p.send(new ProducerRecord<>("empire-announce", "news", "outposts report in")).get(30, TimeUnit.SECONDS);
        }
        // The consumer does its network I/O on the thread that polls it: poll from inside the outpost's namespace.
        String got = lab.callIn(outpost, () -> {
            try (KafkaConsumer<String, String> c = consumer()) {
                TopicPartition announce = new TopicPartition("empire-announce", 0);
                c.assign(List.of(announce));
                c.seekToBeginning(List.of(announce));
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline) {
                    for (var r : c.poll(Duration.ofMillis(500))) if (r.value().equals("outposts report in")) return r.value();
                }
                return null;
            }
        });
        assertEquals("outposts report in", got, "the outpost fetched the announcement through the proxy: "
                + String.join("\n", proxy.events().stream().map(Object::toString).toList()));
        Exception refused = lab.callIn(outpost, () -> {
            try (KafkaConsumer<String, String> c = consumer()) {
                TopicPartition plans = new TopicPartition("deathstar-plans", 0);
                c.assign(List.of(plans));
                c.seekToBeginning(List.of(plans));
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline) c.poll(Duration.ofMillis(500));
                return null;
            } catch (TopicAuthorizationException e) {
                return e;
            }
        });
        assertInstanceOf(TopicAuthorizationException.class, refused, "reading the plans is refused");
        try (KafkaProducer<String, String> p = producer(outpost)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>("empire-announce", "x", "forged")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause());
        }
    }
}
