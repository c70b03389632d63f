package dev.ward.l7proxy.parsers.kafka;

import dev.ward.l7proxy.parser.Decision;
import dev.ward.l7proxy.parser.L7Parser;
import dev.ward.l7proxy.parser.Op;
import dev.ward.l7proxy.parser.ParserContext;
import dev.ward.l7proxy.parser.ReplyQueue;
import dev.ward.l7proxy.parser.Side;
import dev.ward.policy.l7.L7Request;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kafka's wire protocol, read with Kafka's own message classes (every API version, flexible versions included).
 * Each request frame is read whole and decided on its API key, version, client id and topics. A denied request
 * never reaches the broker: the client gets that request's own error response with the authorization error
 * (TOPIC_AUTHORIZATION_FAILED for requests naming topics, GROUP_, TRANSACTIONAL_ID_ or CLUSTER_AUTHORIZATION_FAILED
 * otherwise), in its turn among the broker's replies, and the connection stays open. Replies stream through;
 * metadata replies are read to learn topic ids.
 */
final class KafkaParser implements L7Parser {
    static final int MAX_REQUEST = 8 * 1024 * 1024;
    private static final Set<ApiKeys> GROUP_APIS = Set.of(ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT,
            ApiKeys.LEAVE_GROUP, ApiKeys.FIND_COORDINATOR, ApiKeys.DESCRIBE_GROUPS, ApiKeys.LIST_GROUPS,
            ApiKeys.DELETE_GROUPS, ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH);

    /** A forwarded request; {@code deniedTopics}: metadata topics whose part of the reply the proxy replaces. */
    private record Sent(int correlationId, ApiKeys key, short version, Set<String> deniedTopics) {
        Sent(int correlationId, ApiKeys key, short version) {
            this(correlationId, key, version, Set.of());
        }
    }

    private final ParserContext context;
    private final KafkaTopicIds ids;
    private final ReplyQueue<Sent> queue = new ReplyQueue<>();
    private final ArrayDeque<Op> requestOps = new ArrayDeque<>();
    private final ArrayDeque<Op> replyOps = new ArrayDeque<>();

    KafkaParser(ParserContext context, KafkaTopicIds ids) {
        this.context = context;
        this.ids = ids;
    }

    @Override
    public Op onData(Side side, ByteBuffer data, boolean endStream) {
        return side == Side.REQUEST ? request(data) : reply(data);
    }

    private Op request(ByteBuffer data) {
        if (!requestOps.isEmpty()) return requestOps.poll();
        if (data.remaining() < 4) return Op.more(4 - data.remaining());
        int p = data.position();
        int length = data.getInt(p);
        if (length < 0) return Op.error("negative Kafka request length " + length);
        if (length > MAX_REQUEST) return Op.tooLarge("Kafka request of " + length + " bytes (limit " + MAX_REQUEST + ")");
        if (data.remaining() < 4 + length) return Op.more(4 + length - data.remaining());
        ByteBuffer frame = data.duplicate().position(p + 4).limit(p + 4 + length).slice();
        RequestHeader header;
        AbstractRequest request;
        try {
            header = RequestHeader.parse(frame);
            request = AbstractRequest.parseRequest(header.apiKey(), header.apiVersion(), new ByteBufferAccessor(frame)).request;
        } catch (RuntimeException e) {
            return Op.error("unparsable Kafka request: " + e.getMessage());
        }
        int total = 4 + length;
        boolean silent = request instanceof ProduceRequest pr && pr.acks() == 0;
        List<String> topics;
        RuntimeException refusal;
        L7Request.Kafka k;
        try {
            topics = KafkaRequestTopics.of(request.data(), ids);
            if (header.apiKey() == ApiKeys.METADATA && topics.size() > 0) {
                Op split = metadataByTopic(header, topics, total);
                if (split != null) return split;
            }
            String transactionalId = request.data() instanceof InitProducerIdRequestData ip ? ip.transactionalId() : null;
            k = new L7Request.Kafka(header.apiKey().id, header.apiVersion(), header.clientId(), topics, transactionalId);
            Decision d = context.decide(k);
            if (d.allowed()) {
                queue.forwarded(new Sent(header.correlationId(), header.apiKey(), header.apiVersion()), silent);
                return Op.pass(total);
            }
            refusal = !topics.isEmpty() ? new TopicAuthorizationException(Set.copyOf(topics))
                    : GROUP_APIS.contains(header.apiKey()) ? new GroupAuthorizationException("denied by policy")
                    : transactionalId != null ? new TransactionalIdAuthorizationException("denied by policy")
                    : new ClusterAuthorizationException("denied by policy");
        } catch (KafkaRequestTopics.Unresolved u) {
            // Unknown to us, but surely known to the broker: the client refreshes its metadata and retries.
            k = new L7Request.Kafka(header.apiKey().id, header.apiVersion(), header.clientId(), List.of());
            refusal = new UnknownTopicIdException(u.getMessage());
        }
        requestOps.add(Op.drop(total));
        if (!silent) {
            byte[] answer;
            try {
                answer = response(header, request.getErrorResponse(0, refusal));
            } catch (RuntimeException e) {
                return Op.error("cannot answer denied Kafka " + header.apiKey() + " v" + header.apiVersion() + ": " + e);
            }
            context.reply(k, true, Map.of("error", Errors.forException(refusal).name()));
            List<byte[]> due = queue.denied(new Sent(header.correlationId(), header.apiKey(), header.apiVersion()), answer);
            for (int i = due.size() - 1; i >= 0; i--) requestOps.addFirst(Op.inject(Side.REPLY, due.get(i)));
        }
        return requestOps.poll();
    }

    /**
     * Metadata is decided topic by topic: the broker is still asked (the client needs its broker list), and the
     * denied topics' part of the reply is replaced by TOPIC_AUTHORIZATION_FAILED. Null when every topic is denied
     * and the request is refused whole.
     */
    private Op metadataByTopic(RequestHeader header, List<String> topics, int total) {
        Set<String> denied = new java.util.LinkedHashSet<>();
        for (String t : topics) {
            L7Request.Kafka one = new L7Request.Kafka(header.apiKey().id, header.apiVersion(), header.clientId(), List.of(t));
            if (!context.decide(one).allowed()) denied.add(t);
        }
        if (denied.size() == topics.size() && !context.decide(new L7Request.Kafka(header.apiKey().id,
                header.apiVersion(), header.clientId(), List.of())).allowed()) {
            return null;
        }
        queue.forwarded(new Sent(header.correlationId(), header.apiKey(), header.apiVersion(), Set.copyOf(denied)), false);
        return Op.pass(total);
    }

    private Op reply(ByteBuffer data) {
        if (!replyOps.isEmpty()) return replyOps.poll();
        if (data.remaining() < 8) return Op.more(8 - data.remaining());
        int p = data.position();
        int length = data.getInt(p);
        if (length < 4) return Op.error("Kafka response length " + length);
        int correlationId = data.getInt(p + 4);
        Sent sent = queue.find(s -> s.correlationId() == correlationId);
        if (sent == null) return Op.error("Kafka response for correlation id " + correlationId + ", which no request had");
        Op replace = null;
        if (sent.key() == ApiKeys.METADATA) {
            if (length > MAX_REQUEST && !sent.deniedTopics().isEmpty()) {
                return Op.tooLarge("Kafka metadata reply of " + length + " bytes to filter (limit " + MAX_REQUEST + ")");
            }
            if (length <= MAX_REQUEST) {
                if (data.remaining() < 4 + length) return Op.more(4 + length - data.remaining());
                MetadataResponseData m = metadata(data.duplicate().position(p + 4).limit(p + 4 + length).slice(), sent);
                if (m == null && !sent.deniedTopics().isEmpty()) return Op.error("unparsable Kafka metadata reply");
                if (m != null) {
                    for (MetadataResponseData.MetadataResponseTopic t : m.topics()) {
                        if (sent.deniedTopics().contains(t.name())) {
                            t.setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()).setTopicId(org.apache.kafka.common.Uuid.ZERO_UUID)
                                    .setPartitions(new java.util.ArrayList<>()).setIsInternal(false);
                        } else {
                            ids.learn(t.topicId(), t.name());
                        }
                    }
                    if (!sent.deniedTopics().isEmpty()) {
                        replace = Op.inject(Side.REPLY, frame(new ResponseHeader(correlationId,
                                sent.key().responseHeaderVersion(sent.version())), m, sent.version()));
                    }
                }
            }
        }
        queue.answered(s -> s == sent);
        if (replace != null) {
            replyOps.add(replace);
            for (byte[] due : queue.due()) replyOps.add(Op.inject(Side.REPLY, due));
            return Op.drop(4L + length);
        }
        for (byte[] due : queue.due()) replyOps.add(Op.inject(Side.REPLY, due));
        return Op.pass(4L + length);
    }

    private static MetadataResponseData metadata(ByteBuffer frame, Sent sent) {
        try {
            ResponseHeader.parse(frame, sent.key().responseHeaderVersion(sent.version()));
            return new MetadataResponseData(new ByteBufferAccessor(frame), sent.version());
        } catch (RuntimeException e) {
            // Not learning ids costs only a retry (UNKNOWN_TOPIC_ID); an unfiltered reply goes to the client as is.
            return null;
        }
    }

    /** A response frame (length, header, body) for {@code header}'s request. */
    static byte[] response(RequestHeader header, AbstractResponse response) {
        return frame(header.toResponseHeader(), response.data(), header.apiVersion());
    }

    static byte[] frame(ResponseHeader rh, org.apache.kafka.common.protocol.ApiMessage body, short version) {
        ByteBuffer h = MessageUtil.toByteBufferAccessor(rh.data(), rh.headerVersion()).buffer();
        ByteBuffer b = MessageUtil.toByteBufferAccessor(body, version).buffer();
        h.rewind();
        b.rewind();
        ByteBuffer out = ByteBuffer.allocate(4 + h.remaining() + b.remaining());
        out.putInt(h.remaining() + b.remaining()).put(h).put(b);
        return out.array();
    }
}
