package dev.ward.l7proxy.proxy;

import dev.ward.l7proxy.access.L7AccessEvent;
import dev.ward.l7proxy.access.L7AccessEvent.Outcome;
import dev.ward.l7proxy.access.L7AccessEvent.Type;
import dev.ward.l7proxy.access.L7AccessListener;
import dev.ward.l7proxy.access.L7ProxyMetrics;
import dev.ward.l7proxy.access.L7ProxyMetrics.ErrorKind;
import dev.ward.l7proxy.access.RequestFields;
import dev.ward.l7proxy.parser.Decision;
import dev.ward.l7proxy.parser.ParserContext;
import dev.ward.l7proxy.policy.RedirectedConnection;
import dev.ward.l7proxy.policy.RequestPolicy;
import dev.ward.policy.l7.L7Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/** A connection's parser context: decides requests, and turns them, replies and failures into events and counts. */
final class ConnectionLog implements ParserContext {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLog.class);

    private final RedirectedConnection connection;
    private final String parser;
    private final RequestPolicy policy;
    private final L7AccessListener listener;
    private final L7ProxyMetrics metrics;
    private final Clock clock;

    ConnectionLog(RedirectedConnection connection, String parser, RequestPolicy policy, L7AccessListener listener,
                  L7ProxyMetrics metrics, Clock clock) {
        this.connection = connection;
        this.parser = parser;
        this.policy = policy;
        this.listener = listener;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public Decision decide(L7Request request) {
        Decision d = policy.decide(request);
        metrics.request(parser, d.allowed());
        emit(Type.REQUEST, d.allowed() ? Outcome.FORWARDED : Outcome.DENIED, RequestFields.of(request),
                d.rule() == null ? null : d.rule().toString(), d.reason());
        return d;
    }

    @Override
    public void reply(L7Request request, boolean denied, Map<String, String> fields) {
        Map<String, String> all = new LinkedHashMap<>(RequestFields.of(request));
        all.putAll(fields);
        emit(Type.REPLY, denied ? Outcome.DENIED : Outcome.FORWARDED, all, null, null);
    }

    void error(ErrorKind kind, String reason) {
        metrics.error(parser, kind);
        LOG.debug("closing {} ({}): {}", connection, parser, reason);
        emit(Type.ERROR, Outcome.ERROR, Map.of("error", kind.label()), null, reason);
    }

    private void emit(Type type, Outcome outcome, Map<String, String> fields, String rule, String reason) {
        L7AccessEvent e = new L7AccessEvent(clock.instant(), connection.id(), connection.direction(), connection.source(),
                connection.originalDestination(), connection.sourceIdentity(), connection.destinationIdentity(), parser,
                type, outcome, fields, rule, reason);
        try {
            listener.onEvent(e);
        } catch (RuntimeException ex) {
            // A failing listener must not take the connection down with it.
            LOG.warn("access listener failed on {}: {}", e, ex.toString());
        }
    }
}
