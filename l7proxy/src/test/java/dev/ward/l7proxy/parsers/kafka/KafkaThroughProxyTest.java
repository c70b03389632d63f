package dev.ward.l7proxy.parsers.kafka;

import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.testing.ClientTelemetrySink;
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
import org.apache.kafka.common.errors.ClusterAuthorizationException;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's Kafka policy (egress to kafka.mycorp.com, produce for empire-hq, consume for outposts), as written,
 * on a real KRaft broker with default-configured kafka-clients in pod namespaces: an idempotent producer, group
 * consumers with auto-commit, client telemetry on (the broker takes it). Allowed requests work, denied ones get
 * the protocol's authorization error on a connection that stays up, and what a role does not include (telemetry)
 * is refused without stopping the client.
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
        broker = KafkaBroker.start(lab, SERVER_IP,
                KafkaBroker.Settings.HOST.with("metric.reporters", ClientTelemetrySink.class.getName()));
        broker.createTopics(lab, "deathstar-plans", "empire-announce", "other-topic");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (lab != null) lab.close();
    }

    /** kafka-clients' defaults (idempotence, acks=all, metrics push); only where to connect and how to serialize. */
    static KafkaProducer<String, String> producer(String pod) {
        Map<String, Object> c = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,
                ProducerConfig.CLIENT_ID_CONFIG, "producer-" + pod.substring(pod.length() - 2),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return lab.callIn(pod, () -> new KafkaProducer<String, String>(c));
    }

    /** kafka-clients' defaults (auto-commit, offset reset to latest, classic group protocol, metrics push). */
    static KafkaConsumer<String, String> consumer(String group) {
        Map<String, Object> c = new java.util.HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.CLIENT_ID_CONFIG, "outpost-consumer",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
        if (group != null) c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        return new KafkaConsumer<>(c);
    }

    static String events() {
        return String.join("\n", proxy.events().stream().map(Object::toString).toList());
    }

    static L7AccessEvent awaitRequest(String from, String apiKey, L7AccessEvent.Outcome outcome) throws InterruptedException {
        return proxy.awaitEvent(x -> x.type() == L7AccessEvent.Type.REQUEST && x.outcome() == outcome
                && x.source().getAddress().getHostAddress().equals(from) && apiKey.equals(x.fields().get("apiKey")),
                apiKey + " " + outcome + " from " + from);
    }

    /** Polls (on the caller's thread, which must be in the consumer's pod) until {@code value} comes. */
    static List<String> pollUntil(KafkaConsumer<String, String> c, String value) {
        List<String> seen = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && !seen.contains(value)) {
            for (var r : c.poll(Duration.ofMillis(500))) seen.add(r.value());
        }
        return seen;
    }

    @Test
    void headquartersProducesToItsTopicsAndIsRefusedOthersOnTheSameConnection() throws Exception {
        try (KafkaProducer<String, String> p = producer(hq)) {
            p.send(new ProducerRecord<>("deathstar-plans", "plans", "exhaust port")).get(30, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>("other-topic", "x", "y")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause(), events());
            p.send(new ProducerRecord<>("empire-announce", "news", "the emperor arrives")).get(30, TimeUnit.SECONDS);
        }
        L7AccessEvent denied = proxy.awaitEvent(x -> x.outcome() == L7AccessEvent.Outcome.DENIED
                && "other-topic".equals(x.fields().get("topic")) && x.type() == L7AccessEvent.Type.REQUEST, "for other-topic");
        assertEquals("metadata", denied.fields().get("apiKey"));
        // The idempotent producer's first request is part of producing; its telemetry is not, and it carries on.
        awaitRequest(HQ, "initproducerid", L7AccessEvent.Outcome.FORWARDED);
        awaitRequest(HQ, "gettelemetrysubscriptions", L7AccessEvent.Outcome.DENIED);
        assertTrue(proxy.events().stream().noneMatch(x -> "pushtelemetry".equals(x.fields().get("apiKey"))), events());
    }

    @Test
    void anOutpostGroupConsumesTheAnnouncementsResumesWhereItStoppedButReadsNothingElse() throws Exception {
        try (KafkaProducer<String, String> p = producer(hq)) {
            // The consumers do their network I/O on the thread that polls them: poll from inside the outpost.
            List<String> first = lab.callIn(outpost, () -> {
                try (KafkaConsumer<String, String> c = consumer("outposts")) {
                    c.subscribe(List.of("empire-announce"));
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    while (c.assignment().isEmpty() && System.nanoTime() < deadline) c.poll(Duration.ofMillis(200));
                    // A new group starts at the end (auto.offset.reset=latest): announce once that end is resolved,
                    // not merely once the partition is assigned (the position is looked up by a later poll).
                    for (TopicPartition tp : c.assignment()) c.position(tp, Duration.ofSeconds(30));
                    p.send(new ProducerRecord<>("empire-announce", "news", "outposts report in")).get(30, TimeUnit.SECONDS);
                    return pollUntil(c, "outposts report in");
                }   // closing commits the position (enable.auto.commit)
            });
            assertTrue(first.contains("outposts report in"), "the outpost fetched the announcement: " + first + "\n" + events());
            p.send(new ProducerRecord<>("empire-announce", "news", "second report")).get(30, TimeUnit.SECONDS);
            List<String> resumed = lab.callIn(outpost, () -> {
                try (KafkaConsumer<String, String> c = consumer("outposts")) {
                    c.subscribe(List.of("empire-announce"));
                    return pollUntil(c, "second report");
                }
            });
            assertEquals(List.of("second report"), resumed, "the group resumed from its committed offset\n" + events());
        }
        // Resuming validates the committed position's leader epoch first.
        L7AccessEvent validated = awaitRequest(OUTPOST, "offsetforleaderepoch", L7AccessEvent.Outcome.FORWARDED);
        assertEquals("empire-announce", validated.fields().get("topic"));
        awaitRequest(OUTPOST, "joingroup", L7AccessEvent.Outcome.FORWARDED);
        awaitRequest(OUTPOST, "offsetcommit", L7AccessEvent.Outcome.FORWARDED);
        awaitRequest(OUTPOST, "gettelemetrysubscriptions", L7AccessEvent.Outcome.DENIED);

        Exception refused = lab.callIn(outpost, () -> {
            try (KafkaConsumer<String, String> c = consumer(null)) {
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
    }

    @Test
    void anOutpostCannotProduceItsProducerIsRefusedAProducerId() throws Exception {
        try (KafkaProducer<String, String> p = producer(outpost)) {
            // The client fails the send's future, or, when its I/O thread met the refused InitProducerId first, the
            // send itself (its fatal error state): either way for the cluster authorization Kafka answered.
            Exception e = assertThrows(Exception.class,
                    () -> p.send(new ProducerRecord<>("empire-announce", "x", "forged")).get(30, TimeUnit.SECONDS));
            assertTrue(e instanceof ExecutionException || e instanceof org.apache.kafka.common.KafkaException, e.toString());
            assertInstanceOf(ClusterAuthorizationException.class, e.getCause(), e + " / " + events());
        }
        awaitRequest(OUTPOST, "initproducerid", L7AccessEvent.Outcome.DENIED);
        assertTrue(proxy.events().stream().noneMatch(x -> x.outcome() == L7AccessEvent.Outcome.FORWARDED
                && "produce".equals(x.fields().get("apiKey")) && x.source().getAddress().getHostAddress().equals(OUTPOST)));
    }
}
