package dev.ward.agent.metrics;

/**
 * Where the agent serves its Prometheus endpoint ({@code ward agent --metrics-address HOST:PORT}, e.g.
 * {@code 127.0.0.1:9962} or {@code [::]:9962}); port 0 takes a free one (tests).
 */
public record MetricsAddress(String host, int port) {
    public MetricsAddress {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("the metrics address needs a host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("the metrics port must be 0-65535, not " + port);
    }

    public static MetricsAddress parse(String text) {
        String t = text.strip();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (e.g. 127.0.0.1:9962)");
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        else if (host.contains(":")) throw new IllegalArgumentException("'" + text + "': an IPv6 host is written in brackets ([::1]:9962)");
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': the port '" + t.substring(colon + 1) + "' is not a number");
        }
        return new MetricsAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
