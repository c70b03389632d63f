package dev.ward.dnsproxy.proxy;

import dev.ward.dnsproxy.wire.DnsQuery;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Forwards a query to the server the pod asked. The implementation picks its own message id, matches answers by
 * server, id and question ({@link dev.ward.dnsproxy.wire.UpstreamReplyCheck}), ignores (and counts) everything
 * else, and fails the future with {@link UpstreamFailure} when no acceptable answer came in time.
 */
public interface Upstream {
    CompletableFuture<UpstreamAnswer> exchange(InetSocketAddress server, Transport transport, DnsQuery query);
}
