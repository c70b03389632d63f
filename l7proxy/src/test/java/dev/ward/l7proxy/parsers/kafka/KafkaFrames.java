package dev.ward.l7proxy.parsers.kafka;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/** Kafka request and response frames as real clients and brokers write them, made with Kafka's own classes. */
final class KafkaFrames {
    static final String CLIENT = "empire-client";

    private KafkaFrames() {}

    static byte[] frame(AbstractRequest request, int correlationId) {
        ByteBuffer b = request.serializeWithHeader(new RequestHeader(request.apiKey(), request.version(), CLIENT, correlationId));
        ByteBuffer out = ByteBuffer.allocate(4 + b.remaining());
        out.putInt(b.remaining()).put(b);
        return out.array();
    }

    static byte[] metadata(String topic, short version, int correlationId) {
        return frame(new MetadataRequest.Builder(List.of(topic), false).build(version), correlationId);
    }

    static byte[] produce(String topic, Uuid id, short version, short acks, int correlationId) {
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("plans".getBytes())))));
        if (id != null) t.setTopicId(id);
        else t.setName(topic);
        ProduceRequestData d = new ProduceRequestData().setAcks(acks).setTimeoutMs(1000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(t).iterator()));
        return frame(new ProduceRequest.Builder(version, version, d).build(version), correlationId);
    }

    /** InitProducerId as a producer sends it first: idempotent ({@code transactionalId} null) or transactional. */
    static byte[] initProducerId(String transactionalId, short version, int correlationId) {
        InitProducerIdRequestData d = new InitProducerIdRequestData().setTransactionalId(transactionalId)
                .setTransactionTimeoutMs(60_000);
        return frame(new InitProducerIdRequest.Builder(d).build(version), correlationId);
    }

    static byte[] fetch(String topic, Uuid id, short version, int correlationId) {
        Map<TopicPartition, FetchRequest.PartitionData> parts = Map.of(new TopicPartition(topic, 0),
                new FetchRequest.PartitionData(id, 0, 0, 1 << 20, java.util.Optional.empty()));
        return frame(FetchRequest.Builder.forConsumer(version, 100, 1, parts).build(version), correlationId);
    }

    /** A broker's metadata reply naming {@code topics}, the first with {@code id}, each with one partition. */
    static byte[] metadataReply(List<String> topics, Uuid id, short version, int correlationId) {
        MetadataResponseData d = new MetadataResponseData().setClusterId("c1").setControllerId(1);
        d.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(1).setHost("10.2.0.9").setPort(9092));
        for (String topic : topics) {
            d.topics().add(new MetadataResponseData.MetadataResponseTopic().setName(topic)
                    .setTopicId(topic.equals(topics.getFirst()) ? id : Uuid.randomUuid())
                    .setPartitions(List.of(new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(0).setLeaderId(1))));
        }
        ResponseHeader h = new ResponseHeader(correlationId, ApiKeys.METADATA.responseHeaderVersion(version));
        ByteBuffer hb = MessageUtil.toByteBufferAccessor(h.data(), h.headerVersion()).buffer();
        ByteBuffer bb = MessageUtil.toByteBufferAccessor(d, version).buffer();
        hb.rewind();
        bb.rewind();
        ByteBuffer out = ByteBuffer.allocate(4 + hb.remaining() + bb.remaining());
        out.putInt(hb.remaining() + bb.remaining()).put(hb).put(bb);
        return out.array();
    }

    /** An opaque broker reply with a correlation id (the proxy reads no more of most replies). */
    static byte[] opaqueReply(int correlationId, int bodyBytes) {
        ByteBuffer out = ByteBuffer.allocate(8 + bodyBytes);
        out.putInt(4 + bodyBytes).putInt(correlationId);
        return out.array();
    }

    /** Reads a response frame the proxy made, as the client would. */
    static AbstractResponse parse(byte[] frame, int offset, ApiKeys key, short version) {
        ByteBuffer b = ByteBuffer.wrap(frame, offset + 4, ByteBuffer.wrap(frame, offset, 4).getInt()).slice();
        ResponseHeader.parse(b, key.responseHeaderVersion(version));
        return AbstractResponse.parseResponse(key, new ByteBufferAccessor(b), version);
    }
}
