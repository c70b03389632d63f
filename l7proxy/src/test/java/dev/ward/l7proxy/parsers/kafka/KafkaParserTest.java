package dev.ward.l7proxy.parsers.kafka;

import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.proxy.ParserHarness;
import dev.ward.l7proxy.proxy.ParserHarness.Result;
import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.SeedPolicies;
import dev.ward.policy.model.Direction;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static dev.ward.l7proxy.proxy.ParserHarness.reply;
import static dev.ward.l7proxy.proxy.ParserHarness.request;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The Kafka parser against the seed's Kafka-behind-a-DNS-name policy (egress of the clients), as written. */
class KafkaParserTest {
    static final String HQ = "10.1.0.1";
    static final String OUTPOST = "10.1.0.2";
    static final String BROKER = "10.2.0.9";
    static final short V12 = 12;
    /** A bare rule list (as the post prints it) is named by its file and position. */
    static final String RULE = " CiliumRules/test.yaml#0 [0].egress[0]";

    static EngineRedirectLookup lookup() {
        EngineRedirectLookup l = EngineRedirectLookup.withPolicies(SeedPolicies.kafkaBehindDns());
        l.pod(HQ, "app=empire-hq", true);
        l.pod(OUTPOST, "app=outpost", true);
        l.learnFqdn("kafka.mycorp.com", BROKER);
        return l;
    }

    static final EngineRedirectLookup LOOKUP = lookup();

    static ParserHarness from(String client) {
        return new ParserHarness(new KafkaParserFactory(), LOOKUP, Direction.EGRESS, client, BROKER, 9092);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    @Test
    void aDeniedProduceGetsTopicAuthorizationFailedInTurnAndTheConnectionGoesOn() {
        byte[] meta = KafkaFrames.metadata("deathstar-plans", (short) 12, 1);
        byte[] good = KafkaFrames.produce("deathstar-plans", null, V12, (short) 1, 2);
        byte[] bad = KafkaFrames.produce("other-topic", null, V12, (short) 1, 3);
        byte[] good2 = KafkaFrames.produce("empire-announce", null, V12, (short) 1, 4);
        byte[] r1 = KafkaFrames.opaqueReply(1, 10);
        byte[] r2 = KafkaFrames.opaqueReply(2, 6);
        byte[] r4 = KafkaFrames.opaqueReply(4, 6);
        Result r = from(HQ).assertSplitInvariant(List.of(request(concat(meta, good, bad, good2)), reply(concat(r1, r2, r4))));
        assertArrayEquals(concat(meta, good, good2), r.toServerBytes());
        byte[] client = r.toClient();
        assertArrayEquals(concat(r1, r2), Arrays.copyOfRange(client, 0, r1.length + r2.length));
        int at = r1.length + r2.length;
        ProduceResponse denied = (ProduceResponse) KafkaFrames.parse(client, at, ApiKeys.PRODUCE, V12);
        assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED, Errors.forCode(
                denied.data().responses().iterator().next().partitionResponses().getFirst().errorCode()));
        int deniedLength = ByteBuffer.wrap(client, at, 4).getInt() + 4;
        assertEquals(3, ByteBuffer.wrap(client, at + 4, 4).getInt(), "the answer carries the denied request's correlation id");
        assertArrayEquals(r4, Arrays.copyOfRange(client, at + deniedLength, client.length));
        assertFalse(r.failed(), r.failure());
        assertEquals(List.of(
                "REQUEST FORWARDED {apiKey=metadata, apiVersion=12, clientID=empire-client, topic=deathstar-plans}" + RULE,
                "REQUEST FORWARDED {apiKey=produce, apiVersion=12, clientID=empire-client, topic=deathstar-plans}" + RULE,
                "REQUEST DENIED {apiKey=produce, apiVersion=12, clientID=empire-client, topic=other-topic}",
                "REPLY DENIED {apiKey=produce, apiVersion=12, clientID=empire-client, error=TOPIC_AUTHORIZATION_FAILED, topic=other-topic}",
                "REQUEST FORWARDED {apiKey=produce, apiVersion=12, clientID=empire-client, topic=empire-announce}" + RULE),
                r.events());
    }

    @Test
    void metadataIsAskedOfTheBrokerAndTheDeniedTopicsPartReplaced() {
        for (short v = 4; v <= ApiKeys.METADATA.latestVersion(); v++) {
            byte[] meta = KafkaFrames.frame(new org.apache.kafka.common.requests.MetadataRequest.Builder(
                    List.of("deathstar-plans", "empire-announce"), false).build(v), 7);
            Uuid plans = Uuid.randomUuid();
            byte[] brokerReply = KafkaFrames.metadataReply(List.of("deathstar-plans", "empire-announce"), plans, v, 7);
            Result r = from(OUTPOST).assertSplitInvariant(List.of(request(meta), reply(brokerReply)));
            assertArrayEquals(meta, r.toServerBytes(), "v" + v + ": the broker is asked (the client needs its brokers)");
            MetadataResponse m = (MetadataResponse) KafkaFrames.parse(r.toClient(), 0, ApiKeys.METADATA, v);
            assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED, m.errors().get("deathstar-plans"), "v" + v + ": " + m.data());
            assertEquals(null, m.errors().get("empire-announce"), "v" + v + ": " + m.data());
            assertEquals(1, m.brokers().size(), "v" + v + ": the broker list is the broker's");
            assertEquals(r.toClient().length, 4 + java.nio.ByteBuffer.wrap(r.toClient()).getInt(), "v" + v + " frame length");
        }
    }

    @Test
    void anOutpostMayNotProduce() {
        byte[] produce = KafkaFrames.produce("empire-announce", null, V12, (short) -1, 9);
        Result r = from(OUTPOST).assertSplitInvariant(List.of(request(produce)));
        assertEquals(0, r.toServerBytes().length);
        ProduceResponse p = (ProduceResponse) KafkaFrames.parse(r.toClient(), 0, ApiKeys.PRODUCE, V12);
        assertEquals(java.util.Set.of(Errors.TOPIC_AUTHORIZATION_FAILED), p.errorCounts().keySet());
    }

    @Test
    void anIdempotentProducersInitProducerIdIsPartOfProducingATransactionalOneIsNot() {
        short v = ApiKeys.INIT_PRODUCER_ID.latestVersion();
        byte[] idempotent = KafkaFrames.initProducerId(null, v, 1);
        byte[] transactional = KafkaFrames.initProducerId("hq-tx", v, 2);
        Result r = from(HQ).assertSplitInvariant(List.of(request(concat(idempotent, transactional)),
                reply(KafkaFrames.opaqueReply(1, 20))));
        assertArrayEquals(idempotent, r.toServerBytes(), "only the idempotent one reaches the broker");
        InitProducerIdResponse denied = (InitProducerIdResponse) KafkaFrames.parse(r.toClient(), 28,
                ApiKeys.INIT_PRODUCER_ID, v);
        assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, denied.error());
        assertEquals(List.of(
                "REQUEST FORWARDED {apiKey=initproducerid, apiVersion=" + v + ", clientID=empire-client}" + RULE,
                "REQUEST DENIED {apiKey=initproducerid, apiVersion=" + v + ", clientID=empire-client, transactionalID=hq-tx}",
                "REPLY DENIED {apiKey=initproducerid, apiVersion=" + v + ", clientID=empire-client, "
                        + "error=TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalID=hq-tx}"), r.events());
        Result outpost = from(OUTPOST).assertSplitInvariant(List.of(request(idempotent)));
        assertEquals(0, outpost.toServerBytes().length, "a consumer may not get a producer id");
        assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED, ((InitProducerIdResponse) KafkaFrames.parse(outpost.toClient(), 0,
                ApiKeys.INIT_PRODUCER_ID, v)).error());
    }

    @Test
    void fetchesByTopicIdResolveThroughTheMetadataTheBrokerSent() {
        Uuid id = Uuid.randomUuid();
        short fv = ApiKeys.FETCH.latestVersion();
        byte[] meta = KafkaFrames.metadata("empire-announce", (short) 12, 1);
        byte[] metaReply = KafkaFrames.metadataReply(List.of("empire-announce"), id, (short) 12, 1);
        byte[] fetch = KafkaFrames.fetch("empire-announce", id, fv, 2);
        byte[] unknown = KafkaFrames.fetch("x", Uuid.randomUuid(), fv, 3);
        ParserHarness h = new ParserHarness(new KafkaParserFactory(), LOOKUP, Direction.EGRESS, OUTPOST, BROKER, 9092);
        Result r = h.assertSplitInvariant(List.of(request(meta), reply(metaReply), request(concat(fetch, unknown)),
                reply(KafkaFrames.opaqueReply(2, 20))));
        assertArrayEquals(concat(meta, fetch), r.toServerBytes());
        byte[] client = r.toClient();
        int at = metaReply.length + 28;
        FetchResponse f = (FetchResponse) KafkaFrames.parse(client, at, ApiKeys.FETCH, fv);
        assertEquals(java.util.Set.of(Errors.UNKNOWN_TOPIC_ID), f.errorCounts().keySet(), f.data().toString());
    }

    @Test
    void hostileFrameLengthsAreRefused() {
        Result huge = from(HQ).run(List.of(request(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0})));
        assertEquals(ErrorKind.LIMIT, huge.failureKind(), huge.failure());
        Result negative = from(HQ).run(List.of(request(new byte[] {(byte) 0x80, 0, 0, 0, 0, 0})));
        assertEquals(ErrorKind.MALFORMED, negative.failureKind(), negative.failure());
        Result garbage = from(HQ).assertSplitInvariant(List.of(request(new byte[] {0, 0, 0, 6, 0x7e, 0x7e, 0, 1, 0, 0})));
        assertEquals(ErrorKind.MALFORMED, garbage.failureKind(), garbage.failure());
        assertEquals(0, garbage.toServerBytes().length);
    }
}
