package dev.ward.dnsproxy.proxy;

import org.xbill.DNS.Rcode;

import java.time.Duration;

/**
 * The proxy's tunables.
 *
 * @param refusalRcode      what a query no rule admits gets: REFUSED (default) or NXDOMAIN
 * @param upstreamTimeout   how long a forwarded query waits for its answer before the pod gets SERVFAIL
 * @param datapathTimeout   how long an allowed answer waits for the datapath to hold its addresses before the pod
 *                          gets SERVFAIL instead (fail closed: an answer is never released before)
 * @param maxQueryBytes     queries longer than this are dropped (a query carries one question: a few hundred bytes)
 * @param maxInflight       forwarded queries waiting for upstream at once; beyond it new ones get SERVFAIL
 * @param perSourceQps      queries a second one source address may send on average (0: no limit)
 * @param perSourceBurst    queries one source may send at once
 */
public record ProxySettings(int refusalRcode, Duration upstreamTimeout, Duration datapathTimeout, int maxQueryBytes,
                            int maxInflight, int perSourceQps, int perSourceBurst) {
    public static final ProxySettings DEFAULT = new ProxySettings(Rcode.REFUSED, Duration.ofSeconds(2),
            Duration.ofMillis(500), 4096, 10_000, 1000, 2000);

    public ProxySettings {
        if (refusalRcode != Rcode.REFUSED && refusalRcode != Rcode.NXDOMAIN) {
            throw new IllegalArgumentException("refused queries are answered REFUSED or NXDOMAIN, not " + Rcode.string(refusalRcode));
        }
        if (upstreamTimeout.isNegative() || upstreamTimeout.isZero()) throw new IllegalArgumentException("upstream timeout must be positive");
        if (datapathTimeout.isNegative() || datapathTimeout.isZero()) throw new IllegalArgumentException("datapath timeout must be positive");
        if (maxInflight < 1) throw new IllegalArgumentException("max in-flight queries must be at least 1");
    }

    public ProxySettings withRefusalRcode(int rcode) {
        return new ProxySettings(rcode, upstreamTimeout, datapathTimeout, maxQueryBytes, maxInflight, perSourceQps, perSourceBurst);
    }

    public ProxySettings withTimeouts(Duration upstream, Duration datapath) {
        return new ProxySettings(refusalRcode, upstream, datapath, maxQueryBytes, maxInflight, perSourceQps, perSourceBurst);
    }

    public ProxySettings withRateLimit(int qps, int burst) {
        return new ProxySettings(refusalRcode, upstreamTimeout, datapathTimeout, maxQueryBytes, maxInflight, qps, burst);
    }

    public ProxySettings withMaxInflight(int n) {
        return new ProxySettings(refusalRcode, upstreamTimeout, datapathTimeout, maxQueryBytes, n, perSourceQps, perSourceBurst);
    }
}
