package dev.ward.policy.model;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Kafka API key names (the protocol's, lower case without underscores, as of Kafka 4.4; key 2 keeps Cilium's
 * name {@code offsets}) and the key sets behind Cilium's {@code role: produce|consume}.
 *
 * <p>A role means, in Cilium's words, "all API keys required to perform" producing or consuming. Cilium's sets
 * date from Kafka 0.11 clients; a default client of Kafka 3 or 4 needs one key more for each, and nothing else:
 * <ul>
 *   <li>produce: InitProducerId, which an idempotent producer (the default since Kafka 3.0) asks before its first
 *   Produce. Only without a transactional id ({@link #roleAdmits}): with one it would fence that id's producer and
 *   abort its transaction, a right of transactions, not of producing. Kafka's own ACLs agree: since 2.8 Write on
 *   a topic implies IdempotentWrite, while a transactional id needs its own Write grant;
 *   <li>consume: OffsetForLeaderEpoch, which a consumer sends to validate its position (one it resumes from, or
 *   keeps across a leader change) before it fetches. It names its topics and is bound by the rule's topic as
 *   Fetch is; Kafka authorizes it with Describe on the topic, which reading implies.
 * </ul>
 * Client telemetry (GetTelemetrySubscriptions, PushTelemetry) is in neither: a client refused it stops asking and
 * carries on, and PushTelemetry sends client-chosen data to the broker. Transactions and the next-generation
 * group protocol (ConsumerGroupHeartbeat) are not part of a role either; rules name those keys with
 * {@code apiKey}.
 */
public final class KafkaApiKeys {
    private static final List<String> NAMES = List.of(
            "produce", "fetch", "offsets", "metadata", "leaderandisr", "stopreplica", "updatemetadata",
            "controlledshutdown", "offsetcommit", "offsetfetch", "findcoordinator", "joingroup", "heartbeat",
            "leavegroup", "syncgroup", "describegroups", "listgroups", "saslhandshake", "apiversions",
            "createtopics", "deletetopics", "deleterecords", "initproducerid", "offsetforleaderepoch",
            "addpartitionstotxn", "addoffsetstotxn", "endtxn", "writetxnmarkers", "txnoffsetcommit",
            "describeacls", "createacls", "deleteacls", "describeconfigs", "alterconfigs",
            "alterreplicalogdirs", "describelogdirs", "saslauthenticate", "createpartitions",
            "createdelegationtoken", "renewdelegationtoken", "expiredelegationtoken",
            "describedelegationtoken", "deletegroups", "electleaders", "incrementalalterconfigs",
            "alterpartitionreassignments", "listpartitionreassignments", "offsetdelete", "describeclientquotas",
            "alterclientquotas", "describeuserscramcredentials", "alteruserscramcredentials", "vote",
            "beginquorumepoch", "endquorumepoch", "describequorum", "alterpartition", "updatefeatures", "envelope",
            "fetchsnapshot", "describecluster", "describeproducers", "brokerregistration", "brokerheartbeat",
            "unregisterbroker", "describetransactions", "listtransactions", "allocateproducerids",
            "consumergroupheartbeat", "consumergroupdescribe", "controllerregistration",
            "gettelemetrysubscriptions", "pushtelemetry", "assignreplicastodirs", "listconfigresources",
            "describetopicpartitions", "sharegroupheartbeat", "sharegroupdescribe", "sharefetch",
            "shareacknowledge", "addraftvoter", "removeraftvoter", "updateraftvoter", "initializesharegroupstate",
            "readsharegroupstate", "writesharegroupstate", "deletesharegroupstate", "readsharegroupstatesummary",
            "streamsgroupheartbeat", "streamsgroupdescribe", "describesharegroupoffsets", "altersharegroupoffsets",
            "deletesharegroupoffsets", "streamsgrouptopologydescriptionupdate", "unregistercontroller");

    public static final int INIT_PRODUCER_ID = 22;
    public static final int OFFSET_FOR_LEADER_EPOCH = 23;
    /** Cilium's produce role (produce, metadata, apiversions) and InitProducerId (idempotent only: {@link #roleAdmits}). */
    public static final Set<Integer> PRODUCE_ROLE = Set.of(0, 3, 18, INIT_PRODUCER_ID);
    /**
     * Cilium's consume role (fetch, offsets, metadata, offsetcommit, offsetfetch, findcoordinator, joingroup,
     * heartbeat, leavegroup, syncgroup, apiversions) and OffsetForLeaderEpoch.
     */
    public static final Set<Integer> CONSUME_ROLE = Set.of(1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18, OFFSET_FOR_LEADER_EPOCH);

    private KafkaApiKeys() {}

    /** A key by name ({@code produce}, {@code apiversions}; any case) or number. */
    public static int parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.matches("\\d{1,4}")) {
            int n = Integer.parseInt(t);
            if (n < NAMES.size()) return n;
            throw new IllegalArgumentException("unknown Kafka apiKey " + n);
        }
        int i = NAMES.indexOf(t);
        if (i < 0) throw new IllegalArgumentException("unknown Kafka apiKey '" + text + "'");
        return i;
    }

    public static String name(int key) {
        return key >= 0 && key < NAMES.size() ? NAMES.get(key) : String.valueOf(key);
    }

    /**
     * Whether {@code role} admits a request with {@code apiKey}; {@code transactional}: the request carries a
     * transactional id (InitProducerId then belongs to transactions, not to producing).
     */
    public static boolean roleAdmits(String role, int apiKey, boolean transactional) {
        if (apiKey == INIT_PRODUCER_ID && transactional) return false;
        return role(role).contains(apiKey);
    }

    public static Set<Integer> role(String role) {
        return switch (role) {
            case "produce" -> PRODUCE_ROLE;
            case "consume" -> CONSUME_ROLE;
            default -> throw new IllegalArgumentException("unknown Kafka role '" + role + "' (expected produce or consume)");
        };
    }
}
