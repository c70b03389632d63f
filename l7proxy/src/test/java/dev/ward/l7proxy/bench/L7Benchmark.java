package dev.ward.l7proxy.bench;

import dev.ward.l7proxy.testing.EngineRedirectLookup;
import dev.ward.l7proxy.testing.Listening;
import dev.ward.l7proxy.testing.Nginx;
import dev.ward.l7proxy.testing.ProxyInLab;
import dev.ward.l7proxy.testing.TransparentLab;
import dev.ward.policy.model.Direction;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.ward.l7proxy.testing.TransparentLab.SERVER_IP;

/**
 * bench/l7, one run on one machine: (1) HTTP through Ward's proxy with 100 path rules against haproxy with the
 * same 100 ACLs, both in the node namespace in front of the same nginx, loaded by the same wrk with the same
 * connections; (2) memcached get/set latency through Ward's proxy against a direct connection.
 */
public final class L7Benchmark {
    static final String CLIENT = "10.77.1.70";
    static final int RULES = 100;
    static final int HAPROXY_PORT = 8080;

    public static void main(String[] args) throws Exception {
        int seconds = Integer.getInteger("seconds", 10);
        int connections = Integer.getInteger("connections", 64);
        int threads = Integer.getInteger("threads", 2);
        int ops = Integer.getInteger("ops", 20_000);
        String path = "/api/v1/resource-" + (RULES - 1);
        try (TransparentLab lab = TransparentLab.create()) {
            String pod = lab.addPod(CLIENT);
            EngineRedirectLookup lookup = EngineRedirectLookup.withPolicies(policy());
            lookup.pod(CLIENT, "app=client", false);
            lookup.pod(SERVER_IP, "app=api", true);
            Nginx.start(lab, SERVER_IP, 80, 2);
            Path mlog = Files.createTempFile("ward-bench-memcached", ".log");
            lab.startInServer(List.of("memcached", "-l", SERVER_IP, "-p", "11211", "-U", "0", "-u", "root", "-t", "1"), mlog);
            Listening.await(lab, lab.serverNamespace(), SERVER_IP, 11211, mlog);
            startHaproxy(lab, threads);

            System.out.printf(Locale.ROOT, "bench/l7: wrk -t%d -c%d -d%ds GET %s, %d path rules; proxies use %d threads%n",
                    threads, connections, seconds, path, RULES, threads);
            // Baselines first, with nothing redirected: haproxy is dialled directly, memcached directly.
            Wrk haproxy = wrk(lab, pod, threads, connections, seconds, "http://" + TransparentLab.nodeAddress() + ":" + HAPROXY_PORT + path);
            Latency directGet = new Latency();
            Latency directSet = new Latency();
            memcached(lab, pod, ops, directGet, directSet);

            try (ProxyInLab ward = ProxyInLab.startCounting(lab, lookup, Direction.INGRESS, threads)) {
                Wrk proxied = wrk(lab, pod, threads, connections, seconds, "http://" + SERVER_IP + path);
                Latency wardGet = new Latency();
                Latency wardSet = new Latency();
                memcached(lab, pod, ops, wardGet, wardSet);
                double denied = ward.proxy.metrics().requests("http", false);

                System.out.printf(Locale.ROOT, "HTTP  haproxy 2.6 : %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  non-2xx %d%n",
                        haproxy.rate, haproxy.p50, haproxy.p99, haproxy.errors);
                System.out.printf(Locale.ROOT, "HTTP  ward        : %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  non-2xx %d  (denied %.0f, access events %d)%n",
                        proxied.rate, proxied.p50, proxied.p99, proxied.errors, denied, ward.counted.sum());
                System.out.printf(Locale.ROOT, "HTTP  ratio ward/haproxy requests/s: %.2f (goal >= 1.00)%n", proxied.rate / haproxy.rate);
                System.out.printf(Locale.ROOT, "memcached direct  : get p50 %5.0f us p99 %5.0f us | set p50 %5.0f us p99 %5.0f us  (%d ops each)%n",
                        directGet.p(50), directGet.p(99), directSet.p(50), directSet.p(99), ops);
                System.out.printf(Locale.ROOT, "memcached ward    : get p50 %5.0f us p99 %5.0f us | set p50 %5.0f us p99 %5.0f us%n",
                        wardGet.p(50), wardGet.p(99), wardSet.p(50), wardSet.p(99));
                System.out.printf(Locale.ROOT, "memcached added p99 through ward: get %+.0f us, set %+.0f us%n",
                        wardGet.p(99) - directGet.p(99), wardSet.p(99) - directSet.p(99));
            }
        }
    }

    static String policy() {
        StringBuilder sb = new StringBuilder("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: api-paths
                spec:
                  endpointSelector:
                    matchLabels:
                      app: api
                  ingress:
                  - fromEndpoints:
                    - matchLabels:
                        app: client
                    toPorts:
                    - ports:
                      - port: "80"
                        protocol: TCP
                      rules:
                        http:
                """);
        for (int i = 0; i < RULES; i++) {
            sb.append("            - method: GET\n              path: /api/v1/resource-").append(i).append("\n");
        }
        sb.append("""
                    - ports:
                      - port: "11211"
                        protocol: TCP
                      rules:
                        l7proto: memcache
                        l7:
                        - command: get
                          keyPrefix: bench/
                        - command: set
                          keyPrefix: bench/
                """);
        return sb.toString();
    }

    /** haproxy with the same rules as ACLs: GET and one of the 100 paths (anchored regexes, as Ward's), else 403. */
    static void startHaproxy(TransparentLab lab, int threads) throws IOException {
        Path dir = Files.createTempDirectory("ward-bench-haproxy");
        StringBuilder cfg = new StringBuilder();
        cfg.append("global\n  nbthread ").append(threads).append("\n  maxconn 4000\n")
                .append("defaults\n  mode http\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n  option http-keep-alive\n")
                .append("frontend fe\n  bind ").append(TransparentLab.nodeAddress()).append(":").append(HAPROXY_PORT).append("\n")
                .append("  acl get method GET\n");
        for (int i = 0; i < RULES; i++) cfg.append("  acl p").append(i).append(" path_reg ^/api/v1/resource-").append(i).append("$\n");
        for (int i = 0; i < RULES; i++) cfg.append("  http-request allow if get p").append(i).append("\n");
        cfg.append("  http-request deny deny_status 403\n  default_backend be\n")
                .append("backend be\n  http-reuse always\n  server s1 ").append(SERVER_IP).append(":80\n");
        Files.writeString(dir.resolve("haproxy.cfg"), cfg);
        lab.startInNode(List.of("haproxy", "-db", "-f", dir.resolve("haproxy.cfg").toString()), dir.resolve("haproxy.log"));
        Listening.await(lab, lab.nodeNamespace(), TransparentLab.nodeAddress(), HAPROXY_PORT, dir.resolve("haproxy.log"));
    }

    record Wrk(double rate, double p50, double p99, long errors) {}

    static Wrk wrk(TransparentLab lab, String pod, int threads, int connections, int seconds, String url) {
        // A short warm-up (JIT, connection pools), then the measured run.
        lab.exec(pod, "wrk", "-t" + threads, "-c" + connections, "-d2s", url);
        TransparentLab.Exec e = lab.exec(pod, "wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency", url);
        String out = e.output();
        if (e.exitCode() != 0) throw new IllegalStateException("wrk failed: " + out);
        double rate = Double.parseDouble(find(out, "Requests/sec:\\s+([0-9.]+)"));
        double p50 = millis(find(out, "\\s50%\\s+([0-9.]+[a-z]+)"));
        double p99 = millis(find(out, "\\s99%\\s+([0-9.]+[a-z]+)"));
        String non2xx = findOr(out, "Non-2xx or 3xx responses:\\s+(\\d+)", "0");
        return new Wrk(rate, p50, p99, Long.parseLong(non2xx));
    }

    static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) throw new IllegalStateException("no " + regex + " in wrk output:\n" + text);
        return m.group(1);
    }

    static String findOr(String text, String regex, String otherwise) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : otherwise;
    }

    static double millis(String v) {
        if (v.endsWith("us")) return Double.parseDouble(v.substring(0, v.length() - 2)) / 1000;
        if (v.endsWith("ms")) return Double.parseDouble(v.substring(0, v.length() - 2));
        if (v.endsWith("s")) return Double.parseDouble(v.substring(0, v.length() - 1)) * 1000;
        throw new IllegalArgumentException(v);
    }

    /** Round-trip latencies in microseconds. */
    static final class Latency {
        private long[] samples = new long[1024];
        private int n;

        void add(long nanos) {
            if (n == samples.length) samples = Arrays.copyOf(samples, n * 2);
            samples[n++] = nanos;
        }

        double p(int percentile) {
            long[] s = Arrays.copyOf(samples, n);
            Arrays.sort(s);
            return s[Math.min(n - 1, (int) Math.ceil(percentile / 100.0 * n) - 1)] / 1000.0;
        }
    }

    /** One connection, alternating set and get of 100-byte values over the text protocol, one at a time. */
    static void memcached(TransparentLab lab, String pod, int ops, Latency get, Latency set) {
        lab.callIn(pod, () -> {
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(SERVER_IP, 11211), 5000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                String value = "v".repeat(100);
                byte[] buf = new byte[4096];
                for (int i = -2000; i < ops; i++) {
                    String key = "bench/k" + (i & 1023);
                    byte[] setCmd = ("set " + key + " 0 0 100\r\n" + value + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    long t0 = System.nanoTime();
                    out.write(setCmd);
                    expect(in, buf, "STORED\r\n");
                    long t1 = System.nanoTime();
                    out.write(("get " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    expect(in, buf, "END\r\n");
                    long t2 = System.nanoTime();
                    if (i >= 0) {
                        set.add(t1 - t0);
                        get.add(t2 - t1);
                    }
                }
            }
            return null;
        });
    }

    private static void expect(InputStream in, byte[] buf, String end) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith(end)) {
            int n = in.read(buf);
            if (n < 0) throw new IOException("memcached closed after " + sb);
            sb.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
            if (sb.toString().contains("ERROR")) throw new IOException("memcached said " + sb);
        }
    }
}
