package dev.ward.policy.model;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Kafka API key names and the key sets behind Cilium's {@code role: produce|consume}. */
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
            "describedelegationtoken", "deletegroups");

    /** produce, metadata, apiversions. */
    public static final Set<Integer> PRODUCE_ROLE = Set.of(0, 3, 18);
    /** fetch, offsets, metadata, offsetcommit, offsetfetch, findcoordinator, joingroup, heartbeat, leavegroup, syncgroup, apiversions. */
    public static final Set<Integer> CONSUME_ROLE = Set.of(1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18);

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

    public static Set<Integer> role(String role) {
        return switch (role) {
            case "produce" -> PRODUCE_ROLE;
            case "consume" -> CONSUME_ROLE;
            default -> throw new IllegalArgumentException("unknown Kafka role '" + role + "' (expected produce or consume)");
        };
    }
}
