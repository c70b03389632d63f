package dev.ward.policy.l7;

import dev.ward.policy.model.KafkaApiKeys;
import dev.ward.policy.model.L7Rules.KafkaRule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What {@code role: produce} and {@code role: consume} admit: Cilium's key sets, plus the one key each that a
 * default kafka-clients 3+/4 client cannot do its job without (InitProducerId for an idempotent producer, without
 * a transactional id; OffsetForLeaderEpoch for a consumer validating a committed position). Nothing a producer or
 * consumer can do without (client telemetry, transactions, the next-generation group protocol) is in a role.
 */
class KafkaRolesTest {

    static boolean admits(String role, String topic, String apiKey, String requestTopic, String transactionalId) {
        KafkaRule rule = new KafkaRule(role, null, null, null, topic.equals("-") ? null : topic);
        L7Request.Kafka request = new L7Request.Kafka(KafkaApiKeys.parse(apiKey), 4, "client",
                requestTopic.equals("-") ? List.of() : List.of(requestTopic), transactionalId.equals("-") ? null : transactionalId);
        return L7RuleMatcher.matches(rule, request);
    }

    @ParameterizedTest(name = "{0} {1}: {2} {3} txn={4} -> {5}")
    @CsvSource(delimiter = '|', textBlock = """
            # Cilium's produce role
            produce | plans | produce                   | plans  | -     | true
            produce | plans | metadata                  | plans  | -     | true
            produce | plans | apiversions               | -      | -     | true
            produce | plans | produce                   | other  | -     | false
            # an idempotent producer's first request: no topic, no transactional id
            produce | plans | initproducerid            | -      | -     | true
            # with a transactional id it would fence that id's producer: a transactional right, not produce
            produce | plans | initproducerid            | -      | hq-tx | false
            produce | plans | addpartitionstotxn        | plans  | hq-tx | false
            produce | plans | endtxn                    | -      | hq-tx | false
            produce | plans | fetch                     | plans  | -     | false
            produce | plans | gettelemetrysubscriptions | -      | -     | false
            produce | plans | pushtelemetry             | -      | -     | false
            # Cilium's consume role
            consume | news  | fetch                     | news   | -     | true
            consume | news  | offsets                   | news   | -     | true
            consume | news  | metadata                  | news   | -     | true
            consume | news  | findcoordinator           | -      | -     | true
            consume | news  | joingroup                 | -      | -     | true
            consume | news  | syncgroup                 | -      | -     | true
            consume | news  | heartbeat                 | -      | -     | true
            consume | news  | leavegroup                | -      | -     | true
            consume | news  | offsetfetch               | news   | -     | true
            consume | news  | offsetcommit              | news   | -     | true
            consume | news  | apiversions               | -      | -     | true
            consume | news  | fetch                     | plans  | -     | false
            # validating a committed position: topic-bound like fetch
            consume | news  | offsetforleaderepoch      | news   | -     | true
            consume | news  | offsetforleaderepoch      | plans  | -     | false
            consume | news  | produce                   | news   | -     | false
            consume | news  | initproducerid            | -      | -     | false
            consume | news  | consumergroupheartbeat    | -      | -     | false
            consume | news  | gettelemetrysubscriptions | -      | -     | false
            """)
    void aRoleAdmitsWhatItsClientNeedsAndNothingElse(String role, String topic, String apiKey, String requestTopic,
                                                     String transactionalId, boolean admitted) {
        assertEquals(admitted, admits(role, topic, apiKey, requestTopic, transactionalId));
    }

    @ParameterizedTest(name = "apiKey {0} txn={1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            initproducerid | -     | true
            initproducerid | hq-tx | true
            """)
    void anExplicitApiKeyRuleAdmitsTransactionalInitProducerIdToo(String apiKey, String transactionalId, boolean admitted) {
        KafkaRule rule = new KafkaRule(null, KafkaApiKeys.parse(apiKey), null, null, null);
        L7Request.Kafka request = new L7Request.Kafka(KafkaApiKeys.parse(apiKey), 4, "client", List.of(),
                transactionalId.equals("-") ? null : transactionalId);
        assertEquals(admitted, L7RuleMatcher.matches(rule, request));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            gettelemetrysubscriptions | 71
            pushtelemetry             | 72
            consumergroupheartbeat    | 68
            offsets                   | 2
            deletegroups              | 42
            unregistercontroller      | 94
            """)
    void keysAreNamedUpToKafkaFourFour(String name, int key) {
        assertEquals(key, KafkaApiKeys.parse(name));
        assertEquals(name, KafkaApiKeys.name(key));
    }
}
