package dev.ward.l7proxy.parsers.kafka;

import dev.ward.policy.model.KafkaApiKeys;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The policy's Kafka key names (rules, access log) are the protocol's, for every key the client library knows. */
class KafkaApiKeyNamesTest {

    @Test
    void everyKeyOfKafkaClientsIsNamedAsKafkaNamesIt() {
        for (ApiKeys k : ApiKeys.values()) {
            // Cilium named ListOffsets "offsets"; rules written for Cilium use that name.
            String expected = k == ApiKeys.LIST_OFFSETS ? "offsets" : k.name().toLowerCase(Locale.ROOT).replace("_", "");
            assertEquals(expected, KafkaApiKeys.name(k.id), "key " + k.id);
            assertEquals(k.id, KafkaApiKeys.parse(expected), expected);
        }
    }
}
