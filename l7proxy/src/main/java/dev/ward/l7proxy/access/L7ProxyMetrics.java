package dev.ward.l7proxy.access;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The proxy's metrics, registered into the registry the agent passes in (which it exposes with the Prometheus
 * client's exporter): per-parser requests by verdict, refused inputs and parser failures by kind, connections.
 */
public final class L7ProxyMetrics {
    private final Counter requests;
    private final Counter errors;
    private final Counter connections;
    private final Gauge open;

    public L7ProxyMetrics(PrometheusRegistry registry) {
        requests = Counter.builder().name("ward_l7_requests")
                .help("L7 requests seen by the proxy, by parser and verdict (forwarded or denied)")
                .labelNames("parser", "verdict").register(registry);
        errors = Counter.builder().name("ward_l7_errors")
                .help("Connections the proxy closed on bad input, a failing parser, a failed upstream or a timeout, "
                        + "by parser and kind (malformed, limit, parser_failure, upstream, connect_timeout, "
                        + "header_timeout, idle_timeout)")
                .labelNames("parser", "kind").register(registry);
        connections = Counter.builder().name("ward_l7_connections")
                .help("Connections redirected to the proxy, by parser").labelNames("parser").register(registry);
        open = Gauge.builder().name("ward_l7_connections_open")
                .help("Connections the proxy holds open now").register(registry);
    }

    public void request(String parser, boolean forwarded) {
        requests.labelValues(parser, forwarded ? "forwarded" : "denied").inc();
    }

    public void error(String parser, ErrorKind kind) {
        errors.labelValues(parser, kind.label()).inc();
    }

    public void opened(String parser) {
        connections.labelValues(parser).inc();
        open.inc();
    }

    public void closed() {
        open.dec();
    }

    public double requests(String parser, boolean forwarded) {
        return requests.labelValues(parser, forwarded ? "forwarded" : "denied").get();
    }

    public double errors(String parser, ErrorKind kind) {
        return errors.labelValues(parser, kind.label()).get();
    }

    public enum ErrorKind {
        /** The input is not the protocol, or is ambiguous (request smuggling). */
        MALFORMED,
        /** A frame or header larger than the proxy holds, or a parser asking for too much. */
        LIMIT,
        /** The parser threw or did not make progress. */
        PARSER_FAILURE,
        /** The upstream connection failed, or no rules apply to the connection. */
        UPSTREAM,
        /** The upstream did not accept the connection within the connect timeout. */
        CONNECT_TIMEOUT,
        /** The client did not complete a message its parser needs whole within the header timeout. */
        HEADER_TIMEOUT,
        /** Neither side sent a byte for the idle timeout. */
        IDLE_TIMEOUT;

        public String label() {
            return name().toLowerCase();
        }
    }
}
