package dev.ward.dnsproxy.proxy;

import dev.ward.dnsproxy.event.DnsEvent;
import dev.ward.dnsproxy.event.DnsEventListener;
import dev.ward.dnsproxy.fqdn.FqdnLearner;
import dev.ward.dnsproxy.metrics.DnsProxyMetrics;
import dev.ward.dnsproxy.policy.DnsDecision;
import dev.ward.dnsproxy.policy.DnsRules;
import dev.ward.dnsproxy.wire.AnswerAddresses;
import dev.ward.dnsproxy.wire.DnsQuery;
import dev.ward.dnsproxy.wire.LocalAnswers;
import dev.ward.dnsproxy.wire.QueryReader;
import dev.ward.dnsproxy.wire.ResolvedAddresses;
import dev.ward.dnsproxy.wire.WireIds;
import org.xbill.DNS.Rcode;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One query's way through the proxy, with no sockets: rate limit, parse, policy, then either a local refusal or the
 * upstream exchange, and for an allowed answer with addresses, the datapath's confirmation before the answer is
 * released. Fail closed throughout: every path that cannot prove an answer safe gives SERVFAIL (or nothing), and no
 * path but an accepted upstream answer to an admitted query reaches the learner.
 *
 * <p>Thread-safe; the transports call {@link #handle} from their I/O threads and send what it completes with.
 */
public final class QueryProcessor {
    private final QueryReader reader;
    private final DnsRules rules;
    private final Upstream upstream;
    private final FqdnLearner learner;
    private final DnsEventListener events;
    private final DnsProxyMetrics metrics;
    private final SourceRateLimiter limiter;
    private final ProxySettings settings;
    private final Clock clock;
    private final AtomicInteger inflight = new AtomicInteger();

    public QueryProcessor(DnsRules rules, Upstream upstream, FqdnLearner learner, DnsEventListener events,
                          DnsProxyMetrics metrics, ProxySettings settings, Clock clock) {
        this.reader = new QueryReader(settings.maxQueryBytes());
        this.rules = rules;
        this.upstream = upstream;
        this.learner = learner;
        this.events = events;
        this.metrics = metrics;
        this.settings = settings;
        this.clock = clock;
        this.limiter = new SourceRateLimiter(settings.perSourceQps(), settings.perSourceBurst(), System::nanoTime);
    }

    /** Completes with the reply to send, or null to send nothing. Never completes exceptionally. */
    public CompletableFuture<Reply> handle(QueryOrigin origin, byte[] wire) {
        long arrived = System.nanoTime();
        if (!limiter.tryAcquire(origin.client().getAddress())) {
            metrics.rateLimited();
            return CompletableFuture.completedFuture(null);
        }
        QueryReader.Result read = reader.read(wire);
        if (!read.accepted()) {
            metrics.rejected(read.rejection().problem().label());
            byte[] r = read.rejection().reply();
            return CompletableFuture.completedFuture(r == null ? null : new Reply(r, 0));
        }
        DnsQuery q = read.query();
        return rules.decide(origin.client().getAddress(), origin.server().getAddress(), origin.transport().protocol(),
                        origin.server().getPort(), q.qname())
                .toCompletableFuture()
                .thenCompose(d -> decided(origin, q, d, arrived))
                .exceptionally(t -> {
                    // A bug or a shut-down engine loop: the pod learns nothing and policy opens nothing.
                    return local(origin, q, null, Rcode.SERVFAIL, arrived, "internal error: " + t);
                });
    }

    private CompletableFuture<Reply> decided(QueryOrigin origin, DnsQuery q, DnsDecision d, long arrived) {
        events.onEvent(new DnsEvent(DnsEvent.Kind.QUERY, clock.instant(), d.endpoint(), d.endpointIdentity(),
                origin.client().getAddress(), origin.server().getAddress(), d.serverIdentity(), origin.transport().label(),
                q.qname(), q.typeName(), d.verdict().label(), ruleText(d), d.pattern(), null, null, null, 0, 0, null,
                origin.client().getPort(), origin.server().getPort()));
        if (!d.verdict().forwarded()) return CompletableFuture.completedFuture(local(origin, q, d, settings.refusalRcode(), arrived, null));
        if (inflight.incrementAndGet() > settings.maxInflight()) {
            inflight.decrementAndGet();
            metrics.upstreamFailed("overloaded");
            return CompletableFuture.completedFuture(local(origin, q, d, Rcode.SERVFAIL, arrived, "too many queries in flight"));
        }
        long sent = System.nanoTime();
        return upstream.exchange(origin.server(), origin.transport(), q)
                .handle((answer, error) -> {
                    inflight.decrementAndGet();
                    if (error != null) {
                        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
                        String reason = cause instanceof UpstreamFailure f ? f.reason() : "error";
                        metrics.upstreamFailed(reason);
                        return CompletableFuture.completedFuture(local(origin, q, d, Rcode.SERVFAIL, arrived, "upstream " + reason + ": " + cause.getMessage()));
                    }
                    metrics.upstreamLatency(System.nanoTime() - sent);
                    return answered(origin, q, d, answer, arrived);
                })
                .thenCompose(f -> f);
    }

    private CompletableFuture<Reply> answered(QueryOrigin origin, DnsQuery q, DnsDecision d, UpstreamAnswer answer, long arrived) {
        ResolvedAddresses addrs = AnswerAddresses.extract(q, answer.message());
        byte[] out = WireIds.withId(answer.wire(), q.id());
        String rcode = Rcode.string(answer.message().getRcode());
        if (!d.learns() || addrs.isEmpty()) {
            emitAnswer(origin, q, d, rcode, addrs, 0, arrived, null);
            metrics.answered(d.verdict().label(), rcode);
            return CompletableFuture.completedFuture(new Reply(out, 0));
        }
        long asked = System.nanoTime();
        return learner.learn(d.endpoint(), q.qname(), addrs.addresses(), addrs.ttlSeconds())
                .orTimeout(settings.datapathTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .handle((v, t) -> {
                    if (t != null) {
                        Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
                        String reason = cause instanceof TimeoutException ? "timeout" : "error";
                        metrics.datapathFailed(reason);
                        return local(origin, q, d, Rcode.SERVFAIL, arrived, "datapath " + reason + ": answer withheld");
                    }
                    long confirmed = System.nanoTime();
                    metrics.datapathLatency(confirmed - asked);
                    emitAnswer(origin, q, d, rcode, addrs, addrs.ttlSeconds(), arrived, null);
                    metrics.answered(d.verdict().label(), rcode);
                    return new Reply(out, confirmed);
                });
    }

    /** The transport handed {@code reply} to its socket. */
    public void released(Reply reply) {
        if (reply.datapathConfirmedNanos() != 0) metrics.releasedAfterDatapath(System.nanoTime() - reply.datapathConfirmedNanos());
    }

    private Reply local(QueryOrigin origin, DnsQuery q, DnsDecision d, int rcode, long arrived, String note) {
        String verdict = d == null ? "error" : d.verdict().label();
        emitAnswer(origin, q, d, Rcode.string(rcode), ResolvedAddresses.NONE, 0, arrived, note);
        metrics.answered(verdict, Rcode.string(rcode));
        return new Reply(LocalAnswers.withRcode(q, rcode), 0);
    }

    private void emitAnswer(QueryOrigin origin, DnsQuery q, DnsDecision d, String rcode, ResolvedAddresses addrs, long ttl,
                            long arrived, String note) {
        events.onEvent(new DnsEvent(DnsEvent.Kind.ANSWER, clock.instant(), d == null ? null : d.endpoint(),
                d == null ? 0 : d.endpointIdentity(), origin.client().getAddress(), origin.server().getAddress(),
                d == null ? 0 : d.serverIdentity(), origin.transport().label(), q.qname(), q.typeName(),
                d == null ? "error" : d.verdict().label(), d == null ? null : ruleText(d), d == null ? null : d.pattern(),
                rcode, addrs.addresses(), addrs.cnames(), ttl, (System.nanoTime() - arrived) / 1000, note,
                origin.client().getPort(), origin.server().getPort()));
    }

    private static String ruleText(DnsDecision d) {
        return d.rule() == null ? null : d.rule().toString();
    }
}
