package dev.ward.l7proxy.parsers.kafka;

import dev.ward.l7proxy.proxy.ParserFuzzer;
import dev.ward.policy.l7.L7Request;
import dev.ward.policy.model.Direction;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaFuzzTest {
    @Test
    void randomAndMutatedFramesNeverPassUnparsedOrDeniedRequests() {
        List<byte[]> seeds = List.of(
                KafkaFrames.metadata("deathstar-plans", (short) 12, 1),
                KafkaFrames.produce("deathstar-plans", null, (short) 12, (short) 1, 2),
                KafkaFrames.produce("other-topic", null, (short) 12, (short) 1, 3),
                KafkaFrames.produce("empire-announce", null, (short) 9, (short) 0, 4),
                KafkaFrames.fetch("empire-announce", Uuid.randomUuid(), (short) 17, 5));
        // Metadata for denied topics is forwarded on purpose: their part of the reply is replaced.
        int forwarded = new ParserFuzzer(new KafkaParserFactory(), KafkaParserTest.LOOKUP, Direction.EGRESS,
                KafkaParserTest.HQ, KafkaParserTest.BROKER, 9092)
                .exempt(r -> r instanceof L7Request.Kafka k && k.apiKey() == 3)
                .run(seeds, 3000, 15);
        assertTrue(forwarded > 300, "the fuzz reached the allowed path " + forwarded + " times");
    }
}
