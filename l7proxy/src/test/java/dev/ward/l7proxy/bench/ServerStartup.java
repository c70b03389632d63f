package dev.ward.l7proxy.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.ward.l7proxy.testing.CassandraServer;
import dev.ward.l7proxy.testing.KafkaBroker;
import dev.ward.l7proxy.testing.Listening;
import dev.ward.l7proxy.testing.Nginx;
import dev.ward.l7proxy.testing.TransparentLab;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.ward.l7proxy.testing.TransparentLab.SERVER_IP;

/**
 * How long each of the L7 lab's real servers takes, on the kernel and CPU this runs on, from its start command
 * to listening and to answering its first request, and what it then holds: resident memory, the machine's used
 * memory, and its CPU while idle. Each server starts alone in a fresh server namespace. Run by
 * {@link GuestServerStartupBenchmark} on the host and inside a user-mode Linux guest.
 *
 * <p>{@code main(resultsFile, server...)}; servers: nginx, memcached, kafka, kafka-guest, cassandra,
 * cassandra-guest (the -guest ones with the settings for one slow CPU), all-guest (the four started at once).
 * -DkafkaJvm="..." and -DcassandraJvm="..." add JVM options to try.
 */
public final class ServerStartup {
    /** One server's figures: phases in start order (ms since the start command), memory in MiB, idle CPU in %. */
    public record Figures(String server, Map<String, Long> phases, long rssMiB, long usedMiB, double idleCpuPercent) {
        String line() {
            StringBuilder sb = new StringBuilder(server);
            phases.forEach((k, v) -> sb.append('\t').append(k).append('=').append(v));
            return sb.append("\trss_mib=").append(rssMiB).append("\tused_mib=").append(usedMiB)
                    .append("\tidle_cpu_pct=").append(String.format(java.util.Locale.ROOT, "%.1f", idleCpuPercent)).toString();
        }

        static Figures parse(String line) {
            String[] f = line.split("\t");
            Map<String, Long> phases = new LinkedHashMap<>();
            long rss = 0;
            long used = 0;
            double cpu = 0;
            for (int i = 1; i < f.length; i++) {
                String[] kv = f[i].split("=", 2);
                switch (kv[0]) {
                    case "rss_mib" -> rss = Long.parseLong(kv[1]);
                    case "used_mib" -> used = Long.parseLong(kv[1]);
                    case "idle_cpu_pct" -> cpu = Double.parseDouble(kv[1]);
                    default -> phases.put(kv[0], Long.parseLong(kv[1]));
                }
            }
            return new Figures(f[0], phases, rss, used, cpu);
        }
    }

    /** Idle CPU is sampled over this long once the server answered. */
    static final long IDLE_SAMPLE_MS = 10_000;

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        List<String> lines = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            Figures f = measure(args[i]);
            System.out.println("server-startup " + f.line());
            lines.add(f.line());
            Files.write(out, lines);
        }
    }

    static Figures measure(String server) throws Exception {
        long usedBefore = usedKiB();
        try (TransparentLab lab = TransparentLab.create()) {
            long start = System.nanoTime();
            Map<String, Long> phases = new LinkedHashMap<>();
            switch (server) {
                case "nginx" -> nginx(lab, start, phases);
                case "memcached" -> memcached(lab, start, phases);
                case "kafka" -> kafka(lab, KafkaBroker.Settings.HOST.withJvmOptions(extra("kafkaJvm")), start, phases);
                case "kafka-guest" -> kafka(lab, KafkaBroker.Settings.SLOW_CPU.withJvmOptions(extra("kafkaJvm")), start, phases);
                case "cassandra" -> cassandra(lab, CassandraServer.Settings.HOST.withJvmOptions(extra("cassandraJvm")), start, phases);
                case "cassandra-guest" -> cassandra(lab, CassandraServer.Settings.SLOW_CPU.withJvmOptions(extra("cassandraJvm")),
                        start, phases);
                case "all-guest" -> all(lab, start, phases);
                default -> throw new IllegalArgumentException("unknown server '" + server + "' (nginx, memcached, kafka, "
                        + "kafka-guest, cassandra, cassandra-guest, all-guest)");
            }
            long rss = rssKiB();
            long used = usedKiB() - usedBefore;
            double cpu = idleCpuPercent();
            return new Figures(server, phases, rss / 1024, used / 1024, cpu);
        }
    }

    /** JVM options to try on a server: the system property {@code name}, split at spaces. */
    private static List<String> extra(String name) {
        String v = System.getProperty(name, "").strip();
        return v.isEmpty() ? List.of() : List.of(v.split("\\s+"));
    }

    private static long since(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static void nginx(TransparentLab lab, long start, Map<String, Long> phases) throws Exception {
        Nginx.start(lab, SERVER_IP, 80, 1);
        phases.put("listening", since(start));
        String status = lab.callIn(lab.serverNamespace(), () -> {
            try (Socket s = new Socket(SERVER_IP, 80)) {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().findFirst().orElse("");
            }
        });
        if (!status.startsWith("HTTP/1.1 200")) throw new IOException("nginx answered " + status);
        phases.put("first_reply", since(start));
    }

    private static void memcached(TransparentLab lab, long start, Map<String, Long> phases) throws Exception {
        Path log = Files.createTempFile("ward-startup-memcached", ".log");
        lab.startInServer(List.of("memcached", "-l", SERVER_IP, "-p", "11211", "-U", "0", "-u", "root", "-t", "1", "-m", "64"), log);
        Listening.await(lab, lab.serverNamespace(), SERVER_IP, 11211, log);
        phases.put("listening", since(start));
        String got = lab.callIn(lab.serverNamespace(), () -> {
            try (Socket s = new Socket(SERVER_IP, 11211)) {
                s.getOutputStream().write("set k 0 0 1\r\nv\r\nget k\r\n".getBytes(StandardCharsets.US_ASCII));
                return readUntil(s.getInputStream(), "END\r\n");
            }
        });
        if (!got.contains("VALUE k 0 1")) throw new IOException("memcached answered " + got);
        phases.put("first_reply", since(start));
    }

    private static void kafka(TransparentLab lab, KafkaBroker.Settings settings, long start, Map<String, Long> phases)
            throws Exception {
        KafkaBroker broker = KafkaBroker.start(lab, SERVER_IP, settings);
        phases.put("listening", since(start));
        lab.callIn(lab.serverNamespace(), () -> {
            apiVersions(broker);
            return null;
        });
        phases.put("apiversions_answered", since(start));
        broker.createTopics(lab, "startup");
        phases.put("topic_created", since(start));
        String got = lab.callIn(lab.serverNamespace(), () -> produceAndFetch(broker));
        if (!"hello".equals(got)) throw new IOException("the record did not come back: " + got);
        phases.put("record_produced_and_fetched", since(start));
    }

    /** A raw ApiVersions round trip: what the broker answers, without a client library's start-up. */
    private static void apiVersions(KafkaBroker broker) throws IOException {
        ApiVersionsRequest r = new ApiVersionsRequest.Builder().build((short) 3);
        ByteBuffer b = r.serializeWithHeader(new RequestHeader(r.apiKey(), r.version(), "startup", 1));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(SERVER_IP, KafkaBroker.PORT), 10_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(ByteBuffer.allocate(4).putInt(b.remaining()).array());
            out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
            DataInputStream in = new DataInputStream(s.getInputStream());
            int length = in.readInt();
            in.readNBytes(length);
        }
    }

    private static String produceAndFetch(KafkaBroker broker) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            p.send(new ProducerRecord<>("startup", "k", "hello")).get(120, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            TopicPartition tp = new TopicPartition("startup", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < deadline) {
                for (var r : c.poll(Duration.ofMillis(500))) return r.value();
            }
            return null;
        }
    }

    private static void cassandra(TransparentLab lab, CassandraServer.Settings settings, long start, Map<String, Long> phases)
            throws Exception {
        CassandraServer.start(lab, SERVER_IP, settings);
        phases.put("listening", since(start));
        String release = lab.callIn(lab.serverNamespace(), ServerStartup::cqlQuery);
        if (!release.startsWith("5.")) throw new IOException("Cassandra answered " + release);
        phases.put("first_query_answered", since(start));
        String viaDriver = lab.callIn(lab.serverNamespace(), () -> {
            try (CqlSession s = CqlSession.builder().addContactPoint(new InetSocketAddress(SERVER_IP, CassandraServer.PORT))
                    .withLocalDatacenter("datacenter1").build()) {
                return s.execute("SELECT release_version FROM system.local").one().getString(0);
            }
        });
        if (!release.equals(viaDriver)) throw new IOException("the driver read " + viaDriver);
        phases.put("driver_session_and_query", since(start));
    }

    /**
     * STARTUP and one QUERY in native protocol v4 over a socket, returning release_version: the server's first
     * answer without the driver's start-up (its own class loading and schema refresh are a client cost).
     */
    private static String cqlQuery() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(SERVER_IP, CassandraServer.PORT), 10_000);
            s.setSoTimeout(120_000);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] k = "CQL_VERSION".getBytes(StandardCharsets.US_ASCII);
            byte[] v = "3.0.0".getBytes(StandardCharsets.US_ASCII);
            ByteBuffer startup = ByteBuffer.allocate(2 + 2 + k.length + 2 + v.length)
                    .putShort((short) 1).putShort((short) k.length).put(k).putShort((short) v.length).put(v);
            out.write(cqlEnvelope(1, 0x01, startup.array()));
            if (readCql(in)[0] != 0x02) throw new IOException("no READY to STARTUP");
            byte[] q = "SELECT release_version FROM system.local".getBytes(StandardCharsets.UTF_8);
            out.write(cqlEnvelope(2, 0x07, ByteBuffer.allocate(4 + q.length + 3).putInt(q.length).put(q)
                    .putShort((short) 1).put((byte) 0).array()));
            byte[] result = readCql(in);
            if (result[0] != 0x08) throw new IOException("query answered with opcode " + result[0]);
            // RESULT Rows: kind, metadata (flags, columns count, global table spec, one column), rows count, one cell.
            String text = new String(result, StandardCharsets.UTF_8);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+\\.\\d+\\.\\d+)").matcher(text);
            return m.find() ? m.group(1) : text;
        }
    }

    private static byte[] cqlEnvelope(int stream, int opcode, byte[] body) {
        return ByteBuffer.allocate(9 + body.length).put((byte) 4).put((byte) 0).putShort((short) stream).put((byte) opcode)
                .putInt(body.length).put(body).array();
    }

    /** One reply envelope: its opcode, then its body. */
    private static byte[] readCql(DataInputStream in) throws IOException {
        byte[] head = in.readNBytes(9);
        if (head.length < 9) throw new IOException("the connection closed");
        int length = ByteBuffer.wrap(head, 5, 4).getInt();
        byte[] body = in.readNBytes(length);
        byte[] out = new byte[1 + body.length];
        out[0] = head[4];
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /** The four servers started at once with the slow-CPU settings, as a lab would at its start. */
    private static void all(TransparentLab lab, long start, Map<String, Long> phases) throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var kafka = pool.submit(() -> {
                Map<String, Long> p = new LinkedHashMap<>();
                kafka(lab, KafkaBroker.Settings.SLOW_CPU, start, p);
                return p;
            });
            var cassandra = pool.submit(() -> {
                Map<String, Long> p = new LinkedHashMap<>();
                CassandraServer.start(lab, SERVER_IP, CassandraServer.Settings.SLOW_CPU);
                p.put("listening", since(start));
                lab.callIn(lab.serverNamespace(), ServerStartup::cqlQuery);
                p.put("first_query_answered", since(start));
                return p;
            });
            Map<String, Long> n = new LinkedHashMap<>();
            nginx(lab, start, n);
            Map<String, Long> m = new LinkedHashMap<>();
            memcached(lab, start, m);
            n.forEach((k, v) -> phases.put("nginx_" + k, v));
            m.forEach((k, v) -> phases.put("memcached_" + k, v));
            kafka.get(15, TimeUnit.MINUTES).forEach((k, v) -> phases.put("kafka_" + k, v));
            cassandra.get(15, TimeUnit.MINUTES).forEach((k, v) -> phases.put("cassandra_" + k, v));
            phases.put("all_answered", since(start));
        } finally {
            pool.shutdownNow();
        }
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.toString().endsWith(end)) break;
        }
        return sb.toString();
    }

    /** MemTotal - MemAvailable, in KiB. */
    static long usedKiB() throws IOException {
        long total = 0;
        long available = 0;
        for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (l.startsWith("MemTotal:")) total = Long.parseLong(l.replaceAll("\\D+", ""));
            if (l.startsWith("MemAvailable:")) available = Long.parseLong(l.replaceAll("\\D+", ""));
        }
        return total - available;
    }

    /** Resident memory of every process this JVM started (the servers), in KiB. */
    static long rssKiB() {
        long sum = 0;
        for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                    if (l.startsWith("VmRSS:")) sum += Long.parseLong(l.replaceAll("\\D+", ""));
                }
            } catch (IOException gone) {
                // ended meanwhile
            }
        }
        return sum;
    }

    /** CPU the servers use while nobody asks them anything, in % of one CPU. */
    static double idleCpuPercent() throws Exception {
        long before = cpuTicks();
        long t0 = System.nanoTime();
        Thread.sleep(IDLE_SAMPLE_MS);
        long ticks = cpuTicks() - before;
        double seconds = (System.nanoTime() - t0) / 1e9;
        return ticks / 100.0 / seconds * 100;
    }

    /** utime + stime of the servers, in clock ticks (USER_HZ, 100 on Linux). */
    private static long cpuTicks() {
        long sum = 0;
        for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException gone) {
                // ended meanwhile
            }
        }
        return sum;
    }
}
