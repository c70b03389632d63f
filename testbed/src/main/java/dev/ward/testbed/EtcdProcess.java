package dev.ward.testbed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real etcd server (Debian's {@code etcd-server}) on free loopback ports with its own data directory.
 * Used by tests that need the store and by the lab.
 */
public final class EtcdProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final int clientPort;
    private final Path log;

    private EtcdProcess(Process process, Path dataDir, boolean ownsDataDir, int clientPort, Path log) {
        this.process = process;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.clientPort = clientPort;
        this.log = log;
    }

    /** Starts etcd in a fresh temporary data directory that {@link #close()} removes. */
    public static EtcdProcess start() throws IOException {
        return start(Files.createTempDirectory("ward-etcd-"), true, "127.0.0.1");
    }

    /**
     * Starts etcd listening on {@code host} with data in {@code dataDir}.
     *
     * @param ownsDataDir whether {@link #close()} deletes the data directory
     */
    public static EtcdProcess start(Path dataDir, boolean ownsDataDir, String host) throws IOException {
        String binary = findBinary();
        int client = freePort(host);
        int peer = freePort(host);
        String clientUrl = "http://" + host + ":" + client;
        String peerUrl = "http://" + host + ":" + peer;
        Path log = dataDir.resolve("etcd.log");
        Files.createDirectories(dataDir);
        List<String> cmd = new ArrayList<>(List.of(binary,
                "--name", "ward",
                "--data-dir", dataDir.resolve("data").toString(),
                "--listen-client-urls", clientUrl,
                "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "ward=" + peerUrl,
                "--initial-cluster-state", "new"));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        EtcdProcess etcd = new EtcdProcess(p, dataDir, ownsDataDir, client, log);
        try {
            etcd.awaitReady(host);
        } catch (IOException | RuntimeException e) {
            etcd.close();
            throw e;
        }
        return etcd;
    }

    /** The client endpoint, e.g. {@code http://127.0.0.1:40123}. */
    public String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    public int clientPort() {
        return clientPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    private void awaitReady(String host) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("etcd exited with " + process.exitValue() + " before it was ready: " + tail());
            }
            if (healthy(host)) return;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for etcd", e);
            }
        }
        throw new IOException("etcd did not become healthy within " + START_TIMEOUT.toSeconds() + " s: " + tail());
    }

    private boolean healthy(String host) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, clientPort), 200);
            s.setSoTimeout(1000);
            s.getOutputStream().write(("GET /health HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes());
            String reply = new String(s.getInputStream().readAllBytes());
            return reply.contains("\"health\":\"true\"");
        } catch (IOException e) {
            return false;
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String findBinary() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "etcd");
            if (Files.isExecutable(p)) return p.toString();
        }
        for (String p : List.of("/usr/bin/etcd", "/usr/sbin/etcd")) {
            if (Files.isExecutable(Path.of(p))) return p;
        }
        throw new IOException("etcd is not installed (Debian package etcd-server; scripts/install-deps installs it)");
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(host, 0));
            return s.getLocalPort();
        }
    }

    /** Stops the process by its pid (SIGKILL after 5 s) and removes the data directory if it owns it. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        if (ownsDataDir) deleteTree(dataDir);
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover temp dir is not worth failing a test over
        }
    }
}
