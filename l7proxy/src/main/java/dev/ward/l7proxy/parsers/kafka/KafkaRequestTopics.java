package dev.ward.l7proxy.parsers.kafka;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The topics a request names, by name: the requests that read, write or manage topics. Ids are resolved through
 * the learned metadata; an id nobody has named yet makes the request {@link Unresolved}.
 */
final class KafkaRequestTopics {
    private KafkaRequestTopics() {}

    /** A request naming a topic id the proxy has not seen in any metadata response. */
    static final class Unresolved extends Exception {
        Unresolved(Uuid id) {
            super("topic id " + id + " is not known from any metadata response yet", null, false, false);
        }
    }

    static List<String> of(ApiMessage data, KafkaTopicIds ids) throws Unresolved {
        Set<String> out = new LinkedHashSet<>();
        switch (data) {
            case ProduceRequestData d -> {
                for (var t : d.topicData()) out.add(name(t.name(), t.topicId(), ids));
            }
            case FetchRequestData d -> {
                for (var t : d.topics()) out.add(name(t.topic(), t.topicId(), ids));
                for (var t : d.forgottenTopicsData()) out.add(name(t.topic(), t.topicId(), ids));
            }
            case MetadataRequestData d -> {
                if (d.topics() != null) for (var t : d.topics()) out.add(name(t.name(), t.topicId(), ids));
            }
            case ListOffsetsRequestData d -> {
                for (var t : d.topics()) out.add(t.name());
            }
            case OffsetCommitRequestData d -> {
                for (var t : d.topics()) out.add(name(t.name(), t.topicId(), ids));
            }
            case OffsetFetchRequestData d -> {
                if (d.topics() != null) for (var t : d.topics()) out.add(t.name());
                for (var g : d.groups()) {
                    if (g.topics() != null) for (var t : g.topics()) out.add(name(t.name(), t.topicId(), ids));
                }
            }
            case OffsetForLeaderEpochRequestData d -> {
                for (var t : d.topics()) out.add(t.topic());
            }
            case CreateTopicsRequestData d -> {
                for (var t : d.topics()) out.add(t.name());
            }
            case DeleteTopicsRequestData d -> {
                out.addAll(d.topicNames());
                for (var t : d.topics()) out.add(name(t.name(), t.topicId(), ids));
            }
            case DeleteRecordsRequestData d -> {
                for (var t : d.topics()) out.add(t.name());
            }
            case CreatePartitionsRequestData d -> {
                for (var t : d.topics()) out.add(t.name());
            }
            default -> {
                // Requests about groups, transactions or the cluster name no topic.
            }
        }
        out.remove(null);
        out.remove("");
        return new ArrayList<>(out);
    }

    private static String name(String name, Uuid id, KafkaTopicIds ids) throws Unresolved {
        if (name != null && !name.isEmpty()) return name;
        if (id == null || Uuid.ZERO_UUID.equals(id)) return null;
        String n = ids.name(id);
        if (n == null) throw new Unresolved(id);
        return n;
    }
}
