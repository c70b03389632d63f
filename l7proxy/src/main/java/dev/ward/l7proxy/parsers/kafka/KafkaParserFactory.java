package dev.ward.l7proxy.parsers.kafka;

import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.L7ParserFactory;
import dev.ward.l7proxy.parser.ParserContext;

/** Kafka, for ports whose rules are {@code kafka:} rules (role, apiKey, apiVersion, clientID, topic). */
public final class KafkaParserFactory implements L7ParserFactory {
    private final KafkaTopicIds ids = new KafkaTopicIds();

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public int maxBufferedBytes() {
        return KafkaParser.MAX_REQUEST + 4;
    }

    @Override
    public L7Parser create(ParserContext context) {
        return new KafkaParser(context, ids);
    }
}
